-- The example database as it is in production: it has drifted from the schema file.
CREATE TABLE authors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(255)
);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title VARCHAR(255) NOT NULL,
  body TEXT,
  status VARCHAR(20) NOT NULL DEFAULT 'draft',
  legacy_slug VARCHAR(200),
  author INTEGER REFERENCES authors (id) ON DELETE SET NULL
);
INSERT INTO authors (name) VALUES ('Ada Lovelace'), ('Grace Hopper');
INSERT INTO posts (title, body, legacy_slug, author) VALUES
  ('Notes on the engine', 'Long body…', 'notes-engine', 1),
  ('Compilers', 'Another body', 'compilers', 2),
  ('Untitled', NULL, NULL, NULL);
