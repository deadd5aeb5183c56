using System.Collections.Concurrent;
using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Mqtt;

/// <summary>
/// Whether a gateway is enrolled (has a per-gateway key), as the uplink checks it on every message: a compiled query,
/// and a positive answer remembered for <see cref="Lifetime"/> so that a busy gateway's responses and reports do not
/// each pay a database round trip. A refusal is never remembered, so a gateway that just enrolled is accepted at once.
/// </summary>
/// <remarks>
/// Nothing in the server takes an enrollment back (re-enrollment replaces the key, master key rotation re-seals it), so
/// a remembered answer cannot go wrong today; the lifetime bounds how long one would outlive a future revocation on
/// another instance, and <see cref="Invalidate"/> drops this instance's entry whenever a gateway's enrollment changes
/// here. Entries exist only for enrolled gateways, so the map is bounded by the gateways table. The clock is the
/// injected <see cref="TimeProvider"/>, so a test can move it.
/// </remarks>
internal sealed class EnrolledGateways(CpnsDatabase database, TimeProvider time)
{
    /// <summary>
    /// How long a positive answer is trusted without asking the database again. Longer than the few seconds between a
    /// gateway's messages under load: at 5 s, a gateway in one group rotating every 6 s paid the query on nearly every
    /// message (3 % of the server's CPU in a load profile).
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    // A field, not a static: EF refuses to run a compiled query on a model other than the one it first ran on, and one
    // process can hold servers on SQLite and on PostgreSQL (the tests do).
    private readonly Func<CpnsDbContext, string, CancellationToken, Task<bool>> _isEnrolled = EF.CompileAsyncQuery(
        (CpnsDbContext db, string gatewayId, CancellationToken _) => db.Gateways.Any(g => g.Id == gatewayId && g.SealedKey != null));

    // Gateway id -> when the database last said it is enrolled.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _confirmed = new(StringComparer.Ordinal);

    public async ValueTask<bool> IsEnrolledAsync(string gatewayId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_confirmed.TryGetValue(gatewayId, out var confirmedAt) && now >= confirmedAt && now - confirmedAt < Lifetime)
        {
            return true;
        }

        bool enrolled;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            enrolled = await _isEnrolled(db, gatewayId, cancellationToken).ConfigureAwait(false);
        }

        if (enrolled)
        {
            _confirmed[gatewayId] = now;
        }
        else
        {
            _confirmed.TryRemove(gatewayId, out _);
        }

        return enrolled;
    }

    /// <summary>Forgets the remembered answer for <paramref name="gatewayId"/>: the next message asks the database.</summary>
    public void Invalidate(string gatewayId) => _confirmed.TryRemove(gatewayId, out _);
}
