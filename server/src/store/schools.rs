//! Schools: the tenants. A school is found by its ID or by its URL-safe slug.

use schulhof_proto::{School, SchoolId};

use super::rows::SchoolRow;
use super::{Store, StoreError, on_pool};

impl Store {
    /// Creates a school. The slug must be unique across the deployment.
    pub async fn create_school(
        &self,
        name: &str,
        slug: &str,
        now_ms: i64,
    ) -> Result<School, StoreError> {
        let school = School { id: SchoolId::new(), name: name.to_owned(), slug: slug.to_owned() };
        on_pool!(self, |pool| {
            sqlx::query("INSERT INTO schools (id, name, slug, created_at) VALUES ($1, $2, $3, $4)")
                .bind(school.id.to_string())
                .bind(name)
                .bind(slug)
                .bind(now_ms)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(school)
    }

    pub async fn school(&self, id: SchoolId) -> Result<School, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, SchoolRow>("SELECT id, name, slug FROM schools WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(pool)
                .await
        })?;
        row.ok_or(StoreError::NotFound)?.into_school()
    }

    pub async fn school_by_slug(&self, slug: &str) -> Result<Option<School>, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, SchoolRow>("SELECT id, name, slug FROM schools WHERE slug = $1")
                .bind(slug)
                .fetch_optional(pool)
                .await
        })?;
        row.map(SchoolRow::into_school).transpose()
    }

    pub async fn school_count(&self) -> Result<i64, StoreError> {
        let count: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM schools").fetch_one(pool).await
        })?;
        Ok(count)
    }

    /// Every school's ID.
    pub async fn school_ids(&self) -> Result<Vec<SchoolId>, StoreError> {
        let ids: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM schools ORDER BY id").fetch_all(pool).await
        })?;
        ids.iter().map(|id| super::rows::parse_id(id)).collect()
    }

    /// The schools in which a login name exists (to pick the school at login).
    pub async fn schools_with_login(&self, login: &str) -> Result<Vec<SchoolId>, StoreError> {
        let ids: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT school_id FROM users WHERE login = $1 ORDER BY school_id")
                .bind(login)
                .fetch_all(pool)
                .await
        })?;
        ids.iter().map(|id| super::rows::parse_id(id)).collect()
    }
}
