-- booking_events 1.3.0 -> 1.4.0. A fresh install runs it too: CREATE EXTENSION
-- runs 1.0.0, then each update script in turn, so the schema is written once.
-- Each change below has its own section, headed by the topic it serves.
\echo Use "ALTER EXTENSION booking_events UPDATE TO '1.4.0'" to load this file. \quit

