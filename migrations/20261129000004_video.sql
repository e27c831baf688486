-- Video lessons: the school's rule that pupils join with their camera off.
ALTER TABLE schools ADD COLUMN video_pupil_camera_off BIGINT NOT NULL DEFAULT 0;
