// What the datastore's logic (sql_datastore.h) needs of a database: a
// connection that prepares statements, runs scripts and holds a write
// transaction. SQLite (sqlite_datastore.h) and PostgreSQL
// (postgres_datastore.h) implement it; the logic and its SQL are written
// once, in the dialect both accept: `?` or `?N` parameters, upserts by
// `INSERT … ON CONFLICT`, no engine-specific functions. Each connection
// maps the schema's column types to its own (ddl()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace trawl {

// One value of a row: NULL, an integer, a real or text (bytes).
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;

// One statement; binds by position from 1. Errors throw DatastoreError
// naming the store.
class SqlStatement {
 public:
  virtual ~SqlStatement() = default;
  SqlStatement() = default;
  SqlStatement(const SqlStatement&) = delete;
  SqlStatement& operator=(const SqlStatement&) = delete;

  virtual SqlStatement& bind(int i, const std::string& text) = 0;
  virtual SqlStatement& bind(int i, std::int64_t value) = 0;
  virtual SqlStatement& bind(int i, double value) = 0;
  virtual SqlStatement& bind_null(int i) = 0;
  SqlStatement& bind(int i, const SqlValue& value);
  // True while there is a row.
  virtual bool step() = 0;
  // Runs it to the end and resets it.
  void run() {
    while (step()) {
    }
    reset();
  }
  // Ready to run again, with no bindings.
  virtual void reset() = 0;
  virtual int columns() const = 0;
  virtual std::string text(int column) const = 0;
  virtual bool is_null(int column) const = 0;
  virtual std::int64_t integer(int column) const = 0;
  virtual double real(int column) const = 0;
  virtual SqlValue value(int column) const = 0;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  SqlConnection() = default;
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;

  // The store as messages name it: a path, or a URL without its password.
  virtual const std::string& name() const = 0;
  virtual std::unique_ptr<SqlStatement> prepare(const std::string& sql) = 0;
  // Runs statements without parameters or results.
  virtual void exec(const std::string& sql) = 0;
  // The names of the tables the store holds.
  virtual std::vector<std::string> tables() = 0;
  // The schema text `sql` (written with TEXT, INTEGER and REAL columns) in
  // this database's types.
  virtual std::string ddl(const std::string& sql) const { return sql; }
  // Starts a scan's or a merge's writes; throws DatastoreError when another
  // writer holds a store that allows one writer. A store shared by writers
  // may hold the writes back until commit().
  virtual void begin_write() = 0;
  // Starts a schema migration: a transaction that reads see, and that no
  // other process migrating the store runs beside.
  virtual void begin_migration() { begin_write(); }
  virtual void commit() = 0;
  // Drops what began with begin_write() or begin_migration(); no-op when
  // nothing did.
  virtual void rollback() noexcept = 0;
};

}  // namespace trawl
