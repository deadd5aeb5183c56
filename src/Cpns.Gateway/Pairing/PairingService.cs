using Cpns.Crypto;
using Cpns.Gateway.Diagnostics;
using Cpns.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.Pairing;

/// <summary>
/// PNE registration in the PN (EU-Key assignment, docs/pairing.md), the gateway side: sessions started
/// by <c>cpns gateway pair</c>, answered over the pairing listener. Sessions live in memory (a restart
/// ends them; registered PNEs are in gateway.db): at most 100 at once (session numbers 0 to 99), each
/// expires (<see cref="GatewayOptions.PairingTimeout"/>), registers one PNE at most, and dies after
/// <see cref="GatewayOptions.MaxWrongConfirmationsPerSession"/> wrong confirmations; over all sessions
/// at most <see cref="GatewayOptions.MaxWrongConfirmationsPerMinute"/> wrong confirmations are
/// answered per minute, so a code of 10^8 secrets cannot be guessed online.
/// </summary>
public sealed partial class PairingService : IDisposable
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);
    private static readonly byte[][] PairingIds = [.. Enumerable.Range(0, 100).Select(GatewayPairing.PairingIdOf)];

    private readonly GatewayStore _store;
    private readonly IPneCertificateIssuer? _certificateIssuer;
    private readonly ILogger<PairingService> _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, PairingSession> _sessions = [];
    private readonly Queue<DateTimeOffset> _recentWrongAttempts = new();
    private bool _disposed;

    /// <summary>Creates the service.</summary>
    /// <param name="store">The gateway's state (identity; the PNE registry).</param>
    /// <param name="certificateIssuer">Issues the PNE's PN client certificate from its CSR; null leaves certificates out.</param>
    /// <param name="logger">The logger.</param>
    public PairingService(GatewayStore store, IPneCertificateIssuer? certificateIssuer = null, ILogger<PairingService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _certificateIssuer = certificateIssuer;
        _logger = logger ?? store.LoggerFactory.CreateLogger<PairingService>();
    }

    /// <summary>The number of sessions pending (started, not expired, not used, not dead).</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                var now = _store.Time.GetUtcNow();
                return _sessions.Values.Count(s => s.State == PairingSessionState.Pending && !s.IsExpired(now));
            }
        }
    }

    /// <summary>
    /// Starts a pairing session and returns the code to show the user (<c>cpns gateway pair</c>).
    /// </summary>
    /// <param name="alias">A name for the PNE in the PN inventory ("kitchen speaker"), or null.</param>
    /// <param name="timeToLive">How long the code works; <see cref="GatewayOptions.PairingTimeout"/> when null.</param>
    /// <exception cref="InvalidOperationException">The gateway identity is not initialized, or 100 sessions are in use.</exception>
    public PairingTicket StartPairing(string? alias = null, TimeSpan? timeToLive = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var ttl = timeToLive ?? _store.Options.PairingTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(timeToLive));
        var pnId = _store.RequirePnId();
        var gatewayId = _store.RequireGatewayId();
        lock (_lock)
        {
            var now = _store.Time.GetUtcNow();
            var number = FreeSessionNumber(now);
            if (number < 0)
            {
                GatewayThrow.InvalidOperation("100 pairing sessions are in use; wait until one completes or expires.");
            }

            if (_sessions.Remove(number, out var old))
            {
                old.Dispose();
            }

            var session = new PairingSession(GatewayPairing.Start(pnId, gatewayId, number), now + ttl, alias);
            _sessions[number] = session;
            Log.Started(_logger, number, session.ExpiresAt);
            return new PairingTicket(session.Pairing.Code, number, session.Pairing.PairingId, session.ExpiresAt, alias);
        }
    }

    /// <summary>
    /// Answers an EU-Key Assignment Request (docs/pairing.md step 1 → 2) with the gateway's identities
    /// and ephemeral public key. Repeating it is harmless: nothing in the answer depends on the code's secret.
    /// </summary>
    public async Task<PairingRequestResult> HandleRequestAsync(
        ReadOnlyMemory<byte> pairingId,
        string pneId,
        ReadOnlyMemory<byte> pnePublicKey,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        if (!PneKeyValidator.IsValid(pnePublicKey.Span))
        {
            return RequestRefused(PairingStatus.InvalidKey, pneId);
        }

        ReadOnlyMemory<byte> publicKey;
        lock (_lock)
        {
            var status = Find(pairingId.Span, out var session);
            if (status != PairingStatus.Success)
            {
                return RequestRefused(status, pneId);
            }

            publicKey = session!.Pairing.PublicKey;
        }

        if (await IsKnownPneAsync(pneId, cancellationToken).ConfigureAwait(false))
        {
            return RequestRefused(PairingStatus.DuplicatePne, pneId);
        }

        Log.RequestAnswered(_logger, pneId);
        return new PairingRequestResult(PairingStatus.Success, _store.PnId, _store.GatewayId, publicKey);
    }

    /// <summary>
    /// Checks an EU-Key Assignment Confirm (docs/pairing.md step 4 → 5). On success the PNE is registered
    /// with its EU-Key (sealed in gateway.db; its leaf comes later, at GKDK assignment, flow 6.1.2.2
    /// step 4), the session is used up, and the answer carries the gateway's confirmation.
    /// </summary>
    /// <param name="pairingId">The session's pairing id.</param>
    /// <param name="pneId">The PNE's id; becomes the CN of its PN client certificate.</param>
    /// <param name="pnePublicKey">The PNE's ephemeral public key, as in the request.</param>
    /// <param name="confirmation">HMAC(K_m, "pne" ‖ R), 32 bytes.</param>
    /// <param name="csrDer">The PNE's certificate signing request, passed to the <see cref="IPneCertificateIssuer"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<PairingConfirmResult> ConfirmAsync(
        ReadOnlyMemory<byte> pairingId,
        string pneId,
        ReadOnlyMemory<byte> pnePublicKey,
        ReadOnlyMemory<byte> confirmation,
        ReadOnlyMemory<byte> csrDer,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        if (!PneKeyValidator.IsValid(pnePublicKey.Span))
        {
            return ConfirmRefused(PairingStatus.InvalidKey, pneId);
        }

        if (await IsKnownPneAsync(pneId, cancellationToken).ConfigureAwait(false))
        {
            return ConfirmRefused(PairingStatus.DuplicatePne, pneId);
        }

        WrappingKey? euKey;
        byte[]? gatewayConfirmation;
        string? alias;
        lock (_lock)
        {
            var now = _store.Time.GetUtcNow();
            var status = Find(pairingId.Span, out var session);
            if (status != PairingStatus.Success)
            {
                return ConfirmRefused(status, pneId);
            }

            if (GlobalLimitReached(now))
            {
                return ConfirmRefused(PairingStatus.RateLimited, pneId);
            }

            if (!session!.Pairing.TryConfirm(pneId, pnePublicKey.Span, confirmation.Span, out euKey, out gatewayConfirmation))
            {
                _recentWrongAttempts.Enqueue(now);
                session.WrongAttempts++;
                if (session.WrongAttempts >= _store.Options.MaxWrongConfirmationsPerSession)
                {
                    // Dead: the ephemeral key goes, and every later attempt is refused as rate limited.
                    session.State = PairingSessionState.Locked;
                    session.Pairing.Dispose();
                    Log.SessionLocked(_logger, session.Number, session.WrongAttempts);
                }

                return ConfirmRefused(PairingStatus.WrongCode, pneId);
            }

            // Single use from this instant: a concurrent or replayed confirm finds the session used.
            session.State = PairingSessionState.Used;
            session.Pairing.Dispose();
            alias = session.Alias;
        }

        using (euKey)
        {
            IssuedPneCertificate? certificate = null;
            if (_certificateIssuer is not null)
            {
                certificate = await _certificateIssuer.IssueAsync(pneId, csrDer, cancellationToken).ConfigureAwait(false);
                if (certificate is null)
                {
                    return ConfirmRefused(PairingStatus.CertificateRefused, pneId);
                }
            }

            if (!await RegisterAsync(pneId, alias, euKey, cancellationToken).ConfigureAwait(false))
            {
                return ConfirmRefused(PairingStatus.DuplicatePne, pneId);
            }

            Log.Registered(_logger, pneId, alias);
            GatewayMetrics.PairingsCompleted.Add(1);
            return new PairingConfirmResult(PairingStatus.Success, pneId, gatewayConfirmation, certificate);
        }
    }

    /// <summary>Destroys every pending session's ephemeral key.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var session in _sessions.Values)
            {
                session.Dispose();
            }

            _sessions.Clear();
        }
    }

    private PairingStatus Find(ReadOnlySpan<byte> pairingId, out PairingSession? session)
    {
        session = null;
        var number = -1;
        for (var n = 0; n < PairingIds.Length && number < 0; n++)
        {
            if (PairingIds[n].AsSpan().SequenceEqual(pairingId))
            {
                number = n;
            }
        }

        if (number < 0 || !_sessions.TryGetValue(number, out session))
        {
            return PairingStatus.UnknownSession;
        }

        return session.State switch
        {
            PairingSessionState.Used => PairingStatus.AlreadyUsed,
            PairingSessionState.Locked => PairingStatus.RateLimited,
            _ when session.IsExpired(_store.Time.GetUtcNow()) => PairingStatus.Expired,
            _ => PairingStatus.Success,
        };
    }

    private bool GlobalLimitReached(DateTimeOffset now)
    {
        while (_recentWrongAttempts.TryPeek(out var oldest) && now - oldest >= RateWindow)
        {
            _recentWrongAttempts.Dequeue();
        }

        return _recentWrongAttempts.Count >= _store.Options.MaxWrongConfirmationsPerMinute;
    }

    /// <summary>
    /// A free session number: one never used, else one whose session has expired. Used and dead
    /// sessions keep their number until they expire, so a replay is told "already used".
    /// </summary>
    private int FreeSessionNumber(DateTimeOffset now)
    {
        var free = new List<int>(PairingIds.Length);
        for (var n = 0; n < PairingIds.Length; n++)
        {
            if (!_sessions.ContainsKey(n))
            {
                free.Add(n);
            }
        }

        if (free.Count == 0)
        {
            free.AddRange(_sessions.Values.Where(s => s.IsExpired(now)).Select(s => s.Number));
        }

        // Random among the free numbers, so a stale device's session number rarely meets a new session.
        return free.Count == 0 ? -1 : free[Random.Shared.Next(free.Count)];
    }

    // The gateway's own id is taken as well: the PN broker's ACL gives a certificate of that name the gateway's rights.
    private Task<bool> IsKnownPneAsync(string pneId, CancellationToken cancellationToken) =>
        string.Equals(pneId, _store.GatewayId, StringComparison.Ordinal)
            ? Task.FromResult(true)
            : _store.RunAsync(db => db.Pnes.AnyAsync(p => p.PneId == pneId, cancellationToken), cancellationToken);

    private Task<bool> RegisterAsync(string pneId, string? alias, WrappingKey euKey, CancellationToken cancellationToken) =>
        _store.RunAsync(
            async db =>
            {
                if (await db.Pnes.AnyAsync(p => p.PneId == pneId, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                db.Pnes.Add(new PneEntity
                {
                    PneId = pneId,
                    Alias = alias,
                    EuKeySealed = _store.Sealer.SealWrappingKey(euKey, SecretSealer.EuKeyKind, pneId),
                    RegisteredAt = _store.Time.GetUtcNow(),
                });
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    private PairingRequestResult RequestRefused(PairingStatus status, string pneId)
    {
        Count(status, "request", pneId);
        return new PairingRequestResult(status, null, null, ReadOnlyMemory<byte>.Empty);
    }

    private PairingConfirmResult ConfirmRefused(PairingStatus status, string pneId)
    {
        Count(status, "confirm", pneId);
        return new PairingConfirmResult(status, pneId, ReadOnlyMemory<byte>.Empty, null);
    }

    private void Count(PairingStatus status, string stage, string pneId)
    {
        Log.Refused(_logger, stage, pneId, status);
        GatewayMetrics.PairingFailures.Add(
            1,
            new KeyValuePair<string, object?>("reason", status.ToString()),
            new KeyValuePair<string, object?>("stage", stage));
    }
}
