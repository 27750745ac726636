// Constraints and indexes of alert subscriptions and deliveries (idempotent: IF NOT EXISTS).
CREATE CONSTRAINT alert_subscription_id IF NOT EXISTS FOR (s:AlertSubscription) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT alert_delivery_key IF NOT EXISTS FOR (d:AlertDelivery) REQUIRE (d.event_id, d.subscription_id) IS UNIQUE;
CREATE INDEX alert_delivery_status IF NOT EXISTS FOR (d:AlertDelivery) ON (d.status, d.created);
CREATE INDEX alert_delivery_topic IF NOT EXISTS FOR (d:AlertDelivery) ON (d.topic, d.created);
