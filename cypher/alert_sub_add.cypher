// Keep a new alert subscription (its secret signs the webhooks, so it is stored).
CREATE (s:AlertSubscription)
SET s = $sub
