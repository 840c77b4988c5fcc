using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace NevHub.Storage.Sqlite;

/// <summary>A statement prepared once (SQLITE_PREPARE_PERSISTENT) on a connection's native handle; parameters bound by index.</summary>
internal sealed class NativeStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public NativeStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, long? value) =>
        Check(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    public void Bind(int index, double? value) =>
        Check(value is { } v ? raw.sqlite3_bind_double(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    public void Bind(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    public void Bind(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Runs the statement to completion; returns the rows it changed.</summary>
    public int Execute()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc is not (raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            Fail(rc);
        }

        raw.sqlite3_reset(_statement);
        return raw.sqlite3_changes(_db);
    }

    /// <summary>The first column of the first row as text, or null (no row, or NULL).</summary>
    public string? ExecuteScalarText()
    {
        var rc = raw.sqlite3_step(_statement);
        string? value = rc switch
        {
            raw.SQLITE_ROW => raw.sqlite3_column_type(_statement, 0) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(_statement, 0).utf8_to_string(),
            raw.SQLITE_DONE => null,
            _ => FailText(rc),
        };
        raw.sqlite3_reset(_statement);
        return value;
    }

    public long? ExecuteScalarInt64()
    {
        var rc = raw.sqlite3_step(_statement);
        long? value = rc switch
        {
            raw.SQLITE_ROW => raw.sqlite3_column_int64(_statement, 0),
            raw.SQLITE_DONE => null,
            _ => Fail(rc),
        };
        raw.sqlite3_reset(_statement);
        return value;
    }

    public void Dispose() => raw.sqlite3_finalize(_statement);

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            Fail(rc);
        }
    }

    [DoesNotReturn]
    private string FailText(int rc)
    {
        Fail(rc);
        return null;
    }

    [DoesNotReturn]
    private long Fail(int rc)
    {
        var message = raw.sqlite3_errmsg(_db).utf8_to_string();
        raw.sqlite3_reset(_statement);
        throw new SqliteException("SQLite error " + rc.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + message, rc);
    }
}
