//! The school's video-lesson settings (the lessons themselves live in memory on their node).

use schulhof_proto::SchoolId;

use super::{Store, StoreError, on_pool, on_writer};

impl Store {
    /// Do pupils join video lessons with their camera off?
    pub async fn video_pupil_camera_off(&self, school: SchoolId) -> Result<bool, StoreError> {
        let off: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT video_pupil_camera_off FROM schools WHERE id = $1")
                .bind(school.to_string())
                .fetch_one(pool)
                .await
        })?;
        Ok(off != 0)
    }

    pub async fn set_video_pupil_camera_off(
        &self,
        school: SchoolId,
        off: bool,
    ) -> Result<(), StoreError> {
        on_writer!(self, |pool| {
            sqlx::query("UPDATE schools SET video_pupil_camera_off = $2 WHERE id = $1")
                .bind(school.to_string())
                .bind(i64::from(off))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}
