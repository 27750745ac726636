// Keep a new topic (the name is unique: a taken one fails on the constraint).
CREATE (t:Topic {name: $topic, definition: $definition, created: $created, state: $state,
                 updated: $updated})
