import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.server.CommunityBootstrapper;

/**
 * Runs a Neo4j 5.26 Community server in this JVM until it is told to stop (SIGTERM).
 *
 * <p>This is the code path of {@code neo4j console}: the community bootstrapper builds the
 * database management service (the embedded {@code DatabaseManagementServiceBuilder} underneath)
 * and adds the HTTP server, which serves Neo4j Browser from its jar on the classpath. The plain
 * embedded builder starts Bolt but no web server, hence the bootstrapper.
 *
 * <p>Usage: {@code java -cp 'lib/*:classes' Launcher HOME_DIR CONF_FILE}. Settings come from
 * CONF_FILE (written by neo4j.sh); anything passed as {@code -Dneo4j.SETTING=VALUE} overrides it.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Launcher HOME_DIR CONF_FILE");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path conf = Path.of(args[1]).toAbsolutePath();
        if (!Files.isRegularFile(conf)) {
            System.err.println("config file not found: " + conf);
            System.exit(2);
        }
        Map<String, String> overrides = new HashMap<>();
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if (key.startsWith("neo4j.")) {
                overrides.put(key.substring("neo4j.".length()), v.toString());
            }
        });
        CommunityBootstrapper server = new CommunityBootstrapper();
        int status = server.start(home, conf, overrides, false, false);
        if (status != 0) {
            System.err.println("Neo4j failed to start (status " + status + "); see the log in "
                    + home.resolve("logs"));
            System.exit(status);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            stopped.countDown();
        }, "neo4j-stop"));
        stopped.await();
    }
}
