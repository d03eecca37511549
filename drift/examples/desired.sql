-- The example schema as the repository wants it (examples/schema.yaml is its snapshot).
CREATE TABLE authors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(120) NOT NULL,
  email VARCHAR(255) UNIQUE
);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title VARCHAR(120) NOT NULL,
  body TEXT,
  status VARCHAR(20) NOT NULL DEFAULT 'draft',
  published_at DATETIME,
  author INTEGER REFERENCES authors (id) ON DELETE SET NULL
);
CREATE INDEX posts_status_index ON posts (status);
CREATE TABLE tags (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  label VARCHAR(64) NOT NULL UNIQUE
);
