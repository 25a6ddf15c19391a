-- A gateway's event may be part of an exercise (演练): a commissioning drill's test alarm and the
-- alert it raises carry `drill: true`. Kept with the event, so an incident made from it later (the
-- projection's sweep after a restart) is made in drill mode too. Depends on 0001.
ALTER TABLE gateway_events ADD COLUMN drill boolean NOT NULL DEFAULT false;
