using Cpns.Crypto;
using Cpns.Gateway.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Security.Cryptography;

namespace Cpns.Gateway;

/// <summary>
/// The PN Gateway's local state: <c>gateway.db</c> (SQLite through EF Core, schema by migrations) and
/// the master key <c>gateway.key</c> in <see cref="GatewayOptions.DataDirectory"/>. Every secret in the
/// database (per-gateway key, key material set, EU-Keys, Group Keys) is sealed under the master key.
/// Operations are serialized: one writer, so allocations (leaves, epochs) never race.
/// </summary>
public sealed partial class GatewayStore : IAsyncDisposable, IDisposable
{
    /// <summary>The database file name in the data directory.</summary>
    public const string DatabaseFileName = "gateway.db";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly PooledDbContextFactory<GatewayDbContext> _contexts;
    private readonly SqliteConnection _connection;
    private readonly ILogger<GatewayStore> _logger;
    private KeyMaterialSet? _keyMaterial;
    private WrappingKey? _gatewayKey;
    private bool _disposed;
    private int _closing;

    private GatewayStore(GatewayOptions options, TimeProvider time, ILoggerFactory loggerFactory, SecretSealer sealer, SqliteConnection connection)
    {
        Options = options;
        Time = time;
        LoggerFactory = loggerFactory;
        Sealer = sealer;
        _connection = connection;
        // A list of PNE ids goes into a query as one JSON parameter (json_each), so EF builds its SQL once per query.
        // EF 10's default, one parameter per element, made it build the SQL again for every call (fix 19 in
        // bench/results/load-notes.md).
        var dbOptions = new DbContextOptionsBuilder<GatewayDbContext>()
            .UseSqlite(connection, sqlite => sqlite.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
            .Options;
        // Pooled contexts: building a context resolves dozens of EF services (9 % of a loaded gateway's CPU when each
        // operation made a new one). Operations are serialized by the gate, so one pooled context is all it reuses.
        _contexts = new PooledDbContextFactory<GatewayDbContext>(dbOptions, poolSize: 2);
        _logger = loggerFactory.CreateLogger<GatewayStore>();
    }

    /// <summary>The gateway id (the CN of its certificate at the CPNS Server); null before <see cref="InitializeIdentityAsync"/>.</summary>
    public string? GatewayId { get; private set; }

    /// <summary>The id of the gateway's Personal Network; null before <see cref="InitializeIdentityAsync"/>.</summary>
    public string? PnId { get; private set; }

    /// <summary>True once the per-gateway key shared with the CPNS Server is stored.</summary>
    public bool HasGatewayKey => _gatewayKey is not null;

    internal GatewayOptions Options { get; }

    internal TimeProvider Time { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal SecretSealer Sealer { get; }

    internal WrappingKey? GatewayKey => _gatewayKey;

    internal string DatabasePath => Path.Combine(Options.DataDirectory, DatabaseFileName);

    /// <summary>
    /// Opens the state in <see cref="GatewayOptions.DataDirectory"/>, creating the directory (0700), the
    /// master key (0600) and the database on first use and applying pending migrations.
    /// </summary>
    /// <exception cref="GatewayStartupException">The master key file is wider than 0600 or malformed, or the stored secrets do not open with it.</exception>
    public static async Task<GatewayStore> OpenAsync(
        GatewayOptions options,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var directory = Path.GetFullPath(options.DataDirectory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var masterKey = MasterKeyFile.LoadOrCreate(directory, out var created);
        var sealer = new SecretSealer(masterKey);
        // One connection, open for the store's life (operations are serialized, so one is all they use). EF Core opens
        // and closes a connection it opened itself around every query and SaveChanges, and each open, even from
        // Microsoft.Data.Sqlite's pool, registers EF's SQL functions on it again (a delegate per function): with a
        // connection per operation that was about a tenth of a loaded gateway's CPU. A connection EF is given open
        // it neither opens nor closes. Dispose closes it, so a closed store holds no file handle.
        var connection = new SqliteConnection($"Data Source={Path.Combine(directory, DatabaseFileName)};Pooling=False");
        var store = new GatewayStore(options, timeProvider ?? TimeProvider.System, loggerFactory, sealer, connection);
        try
        {
            await store.InitializeAsync(created, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Records the gateway's identity (from enrollment). Idempotent for the same ids; a gateway never
    /// changes identity, so other ids are refused.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store already holds another identity.</exception>
    public Task InitializeIdentityAsync(string gatewayId, string pnId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        ArgumentException.ThrowIfNullOrEmpty(pnId);
        return RunAsync(async db =>
        {
            var row = await db.Identity.SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (row is not null)
            {
                if (row.GatewayId != gatewayId || row.PnId != pnId)
                {
                    GatewayThrow.InvalidOperation("This data directory belongs to another gateway or PN; use a new data directory.");
                }

                return 0;
            }

            db.Identity.Add(new GatewayIdentityEntity { Id = 1, GatewayId = gatewayId, PnId = pnId, CreatedAt = Time.GetUtcNow() });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            GatewayId = gatewayId;
            PnId = pnId;
            Log.IdentityInitialized(_logger, gatewayId, pnId);
            return 0;
        }, cancellationToken);
    }

    /// <summary>
    /// Stores the per-gateway key the CPNS Server shares with this gateway (enrollment), replacing any
    /// earlier one (re-enrollment). The key is copied; the caller keeps ownership of <paramref name="gatewayKey"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The identity is not initialized.</exception>
    public Task SetGatewayKeyAsync(WrappingKey gatewayKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gatewayKey);
        return RunAsync(async db =>
        {
            var row = await db.Identity.SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                GatewayThrow.InvalidOperation("Initialize the gateway identity before storing its key.");
            }

            row.GatewayKeySealed = Sealer.SealWrappingKey(gatewayKey, SecretSealer.GatewayKeyKind, row.GatewayId);
            row.GatewayKeySetAt = Time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            var copy = Sealer.OpenWrappingKey(row.GatewayKeySealed, SecretSealer.GatewayKeyKind, row.GatewayId);
            _gatewayKey?.Dispose();
            _gatewayKey = copy;
            Log.GatewayKeyStored(_logger, row.GatewayId);
            return 0;
        }, cancellationToken);
    }

    /// <summary>Closes the database and wipes every key held in memory.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 0)
        {
            // An operation in flight finishes first: its connection, keys and sealer would be closed under it otherwise.
            _gate.Wait();
            CloseAndRelease();
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 0)
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            CloseAndRelease();
        }
    }

    /// <summary>Runs one operation on a fresh context, serialized with every other operation.</summary>
    internal async Task<T> RunAsync<T>(Func<GatewayDbContext, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Operations queued behind the one a close waited for find the store closed.
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var db = _contexts.CreateDbContext();
            return await operation(db).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The key material set if stored (flow 6.1.2.2 step 2), opened once and cached. Call inside <see cref="RunAsync"/>.</summary>
    internal async Task<KeyMaterialSet?> GetKeyMaterialAsync(GatewayDbContext db, CancellationToken cancellationToken)
    {
        if (_keyMaterial is not null)
        {
            return _keyMaterial;
        }

        var row = await db.KeyMaterial.SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var exported = Sealer.Open(row.Sealed, SecretSealer.KeyMaterialKind, RequirePnId());
        try
        {
            _keyMaterial = KeyMaterialSet.Import(exported);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(exported);
        }

        return _keyMaterial;
    }

    /// <summary>Creates and stores the key material set (flow 6.1.2.2 step 3). Call inside <see cref="RunAsync"/>, after <see cref="GetKeyMaterialAsync"/> found none.</summary>
    internal async Task<KeyMaterialSet> CreateKeyMaterialAsync(GatewayDbContext db, CancellationToken cancellationToken)
    {
        var created = KeyMaterialSet.Create(Options.TreeHeight);
        var exported = created.Export();
        try
        {
            db.KeyMaterial.Add(new KeyMaterialEntity
            {
                Id = 1,
                Height = created.Height,
                Sealed = Sealer.Seal(exported, SecretSealer.KeyMaterialKind, RequirePnId()),
                CreatedAt = Time.GetUtcNow(),
                NextFreeLeaf = 0,
            });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            created.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(exported);
        }

        _keyMaterial = created;
        return created;
    }

    // Called holding the gate. The semaphore itself stays, since operations may still be waiting on it (they then
    // find the store closed); disposing it would leave them waiting for ever.
    private void CloseAndRelease()
    {
        try
        {
            _disposed = true;
            _connection.Dispose();
            _keyMaterial?.Dispose();
            _gatewayKey?.Dispose();
            Sealer.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    internal string RequirePnId() => PnId ?? throw new InvalidOperationException("The gateway identity is not initialized.");

    internal string RequireGatewayId() => GatewayId ?? throw new InvalidOperationException("The gateway identity is not initialized.");

    private static void Validate(GatewayOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            GatewayThrow.Argument(nameof(options), "GatewayOptions.DataDirectory is required.");
        }

        if (options.TreeHeight is < 1 or > KeyMaterialSet.MaxHeight)
        {
            GatewayThrow.Argument(nameof(options), "GatewayOptions.TreeHeight must be 1 to 24.");
        }

        if (options.PairingTimeout <= TimeSpan.Zero || options.MaxWrongConfirmationsPerSession < 1 || options.MaxWrongConfirmationsPerMinute < 1)
        {
            GatewayThrow.Argument(nameof(options), "The pairing timeout and attempt limits must be positive.");
        }
    }

    private async Task InitializeAsync(bool keyCreated, CancellationToken cancellationToken)
    {
        var databaseExisted = File.Exists(DatabasePath);
        if (keyCreated && databaseExisted)
        {
            GatewayThrow.Startup($"'{DatabasePath}' exists but '{MasterKeyFile.FileName}' was missing: the stored secrets cannot be opened. Restore the key file or start from an empty data directory.");
        }

        // After the check: opening creates the file.
        await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);

        await using (var db = _contexts.CreateDbContext())
        {
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            var identity = await db.Identity.AsNoTracking().SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (identity is not null)
            {
                GatewayId = identity.GatewayId;
                PnId = identity.PnId;
                if (identity.GatewayKeySealed is not null)
                {
                    _gatewayKey = Sealer.OpenWrappingKey(identity.GatewayKeySealed, SecretSealer.GatewayKeyKind, identity.GatewayId);
                }
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(DatabasePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Log.Opened(_logger, DatabasePath, GatewayId ?? "(none)");
    }
}
