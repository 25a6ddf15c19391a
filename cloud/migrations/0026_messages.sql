-- What the cloud writes for people is stored as a message of its catalogue (a code and its
-- parameters, jsonb `{"code": …, "params": {…}}`) and rendered in the reader's language when read.
-- The text columns keep the zh-CN rendering, so older readers and exports still read; rows written
-- before this migration have no message and their text stands as it was written.
ALTER TABLE incidents ADD COLUMN title_message jsonb, ADD COLUMN description_message jsonb;
ALTER TABLE incident_steps ADD COLUMN comment_message jsonb;
