using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cpns.Server.Storage;

/// <summary>
/// Creates contexts for the configured provider, migrates, and runs write transactions with optimistic-concurrency
/// retries. Contexts are short-lived: one per unit of work, so a retry starts from a fresh read.
/// </summary>
internal sealed partial class CpnsDatabase : IDisposable
{
    public const string SqliteFileName = "cpns.db";

    // Enough for a burst of concurrent rotations of one group from several instances; each retry re-reads.
    private const int MaxAttempts = 64;

    // Every unit of work takes a context (an uplink message several): pooled contexts skip building the context's
    // service scope and state each time, which a load profile showed as a visible share of the uplink's CPU.
    private readonly PooledDbContextFactory<SqliteCpnsDbContext>? _sqliteContexts;
    private readonly PooledDbContextFactory<PostgresCpnsDbContext>? _postgresContexts;
    private readonly ILogger<CpnsDatabase> _logger;
    private readonly string? _sqliteConnectionString;

    // SQLite allows one writer; with several in-process writers a deferred transaction that read first can fail to
    // upgrade (SQLITE_BUSY_SNAPSHOT) no matter how long it waits. A single instance is assumed on SQLite, so an
    // in-process gate serialises writes; PostgreSQL relies on row locks and the concurrency token instead.
    private readonly SemaphoreSlim _sqliteWriteGate = new(1, 1);

    public CpnsDatabase(IOptions<ServerOptions> options, ILogger<CpnsDatabase> logger)
    {
        _logger = logger;
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Database))
        {
            var path = Path.Combine(Path.GetFullPath(o.DataDirectory), SqliteFileName);
            SqlitePath = path;
            var cs = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
            _sqliteConnectionString = cs;
            var sqliteOptions = new DbContextOptionsBuilder<SqliteCpnsDbContext>()
                .UseSqlite(cs)
                .AddInterceptors(new SqlitePragmaInterceptor())
                .Options;
            _sqliteContexts = new PooledDbContextFactory<SqliteCpnsDbContext>(sqliteOptions);
        }
        else
        {
            var postgresOptions = new DbContextOptionsBuilder<PostgresCpnsDbContext>()
                .UseNpgsql(o.Database)
                .Options;
            _postgresContexts = new PooledDbContextFactory<PostgresCpnsDbContext>(postgresOptions);
        }
    }

    public bool IsSqlite => _sqliteContexts is not null;

    /// <summary>The SQLite database file, or null on PostgreSQL.</summary>
    public string? SqlitePath { get; }

    /// <summary>A context from the pool; disposing it returns it (reset: no tracked entities, no open transaction).</summary>
    public CpnsDbContext CreateContext() =>
        _sqliteContexts is not null ? _sqliteContexts.CreateDbContext() : _postgresContexts!.CreateDbContext();

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (SqlitePath is not null && !File.Exists(SqlitePath) && !OperatingSystem.IsWindows())
        {
            // The file holds sealed keys and key hashes: owner-only from the start (SQLite accepts an empty file as a
            // new database, and gives its -wal and -shm files the same mode).
            try
            {
                using var created = new FileStream(SqlitePath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException) when (File.Exists(SqlitePath))
            {
            }
        }

        var db = CreateContext();
        await using (db.ConfigureAwait(false))
        {
            // EF Core takes a database-wide migration lock, so instances starting together migrate once.
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (db.IsSqlite)
            {
                // WAL lets readers (API queries) proceed while the single writer commits; it persists in the file.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
            }
        }

        LogMigrated(_logger, IsSqlite ? "SQLite" : "PostgreSQL");
    }

    public async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        var db = CreateContext();
        await using (db.ConfigureAwait(false))
        {
            return await db.Database.CanConnectAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and commits. On a concurrency conflict (the group's epoch moved,
    /// a unique key was taken, a serialisation failure) the transaction is thrown away and the work re-run on a fresh
    /// context, so it re-reads the state another instance just committed.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<CpnsDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var gated = IsSqlite;
            if (gated)
            {
                await _sqliteWriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var db = CreateContext();
                await using (db.ConfigureAwait(false))
                {
                    var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await using (tx.ConfigureAwait(false))
                    {
                        var result = await work(db, cancellationToken).ConfigureAwait(false);
                        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                        return result;
                    }
                }
            }
            catch (Exception ex) when (attempt < MaxAttempts && IsConflict(ex))
            {
                LogConflictRetry(_logger, attempt, ex.GetType().Name);
            }
            finally
            {
                if (gated)
                {
                    _sqliteWriteGate.Release();
                }
            }

            // Jitter so that instances that collided do not collide again in lockstep.
            await Task.Delay(Random.Shared.Next(1, 5 + attempt * 2), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs one write that needs no transaction of its own (a conditional UPDATE) behind the same SQLite write gate as
    /// <see cref="WriteAsync{T}"/>. Outside the gate it meets the lock of a gated transaction and waits in SQLite's busy
    /// handler, which sleeps with back-off (up to 100 ms a try); a load profile showed the uplink's Group Key Response
    /// acknowledgement spending a quarter of the wall time there. PostgreSQL runs it as is.
    /// </summary>
    public async Task<T> WriteStatementAsync<T>(Func<CancellationToken, Task<T>> statement, CancellationToken cancellationToken)
    {
        if (!IsSqlite)
        {
            return await statement(cancellationToken).ConfigureAwait(false);
        }

        await _sqliteWriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await statement(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sqliteWriteGate.Release();
        }
    }

    public void Dispose()
    {
        _sqliteWriteGate.Dispose();
        if (_sqliteConnectionString is not null)
        {
            // Release this database's pooled handles so the file can be read, copied or deleted once the host is gone.
            using var connection = new SqliteConnection(_sqliteConnectionString);
            SqliteConnection.ClearPool(connection);
        }
    }

    /// <summary>
    /// Whether <paramref name="ex"/> (or an exception it wraps) says the database cannot be reached or cannot serve now,
    /// as opposed to a failure of the request itself: the API answers these with 503, and the work was not done.
    /// </summary>
    internal static bool IsUnavailable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 08xxx connection exceptions, 57P01-57P03 the server shutting down or starting, 53300 too many connections.
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03" or "53300";

                // Any other Npgsql failure is the connection's (refused, reset, timed out): nothing the server said.
                case NpgsqlException:
                    return true;

                // SQLITE_BUSY (still locked after busy_timeout), SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
                case SqliteException sq when sq.SqliteErrorCode is 5 or 10 or 13 or 14:
                    return true;
            }
        }

        return false;
    }

    internal static bool IsConflict(Exception ex)
    {
        if (ex is DbUpdateConcurrencyException)
        {
            return true;
        }

        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 23505 unique violation (someone inserted the same epoch / member first), 40001 serialisation
                // failure, 40P01 deadlock: all mean "another transaction won; re-read and try again".
                case PostgresException pg when pg.SqlState is "23505" or "40001" or "40P01":
                    return true;

                // SQLITE_CONSTRAINT_PRIMARYKEY (1555) and SQLITE_CONSTRAINT_UNIQUE (2067).
                case SqliteException sq when sq.SqliteExtendedErrorCode is 1555 or 2067:
                    return true;
            }
        }

        return false;
    }
}
