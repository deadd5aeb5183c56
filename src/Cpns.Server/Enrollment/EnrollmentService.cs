using Cpns.Server.Auth;
using Cpns.Server.Domain;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Enrollment;

/// <summary>
/// One-time, expiring gateway enrollment tokens. Creating one is an operator action; redeeming one is what a gateway
/// will do when it enrolls over MQTT (certificate issuance and the per-gateway key come with that work).
/// </summary>
internal sealed partial class EnrollmentService(CpnsDatabase database, TimeProvider time, ILogger<EnrollmentService> logger)
{
    public const string Prefix = "cpnsenr";

    public Task<EnrollmentTokenIssued> CreateAsync(Caller caller, string gatewayId, TimeSpan lifetime, CancellationToken cancellationToken) =>
        database.WriteAsync((db, _) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var (id, token, hash) = OpaqueToken.Create(Prefix);
            var expires = now + lifetime;
            db.EnrollmentTokens.Add(new EnrollmentToken { Id = id, GatewayId = gatewayId, SecretHash = hash, CreatedAt = now, ExpiresAt = expires, CreatedBy = caller.AuditName });
            db.Audit.Add(new AuditEntry { At = now, Actor = caller.AuditName, Action = "enrollment.token.created", Detail = $"{id} for gateway {gatewayId}, expires {expires:O}" });
            return Task.FromResult(new EnrollmentTokenIssued(id, gatewayId, token, expires));
        }, cancellationToken);

    /// <summary>
    /// Redeems a token: returns the gateway id it was issued for, or null (with the reason logged) when the token is
    /// malformed, unknown, wrong, expired or already used. Single use holds across instances: the redeeming UPDATE
    /// only matches a row whose <c>UsedAt</c> is still null.
    /// </summary>
    public async Task<string?> RedeemAsync(string token, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.TryParseId(token, Prefix, out var id))
        {
            LogRefused(logger, "(malformed)", "malformed token");
            return null;
        }

        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var row = await db.EnrollmentTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false);
            if (row is null || !OpaqueToken.Matches(token, row.SecretHash))
            {
                LogRefused(logger, id, "unknown token");
                return null;
            }

            var now = time.GetUtcNow().UtcDateTime;
            if (row.ExpiresAt <= now)
            {
                LogRefused(logger, id, "expired");
                return null;
            }

            var claimed = await db.EnrollmentTokens
                .Where(t => t.Id == id && t.UsedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), cancellationToken).ConfigureAwait(false);
            if (claimed == 0)
            {
                LogRefused(logger, id, "already used");
                return null;
            }

            LogRedeemed(logger, id, row.GatewayId);
            return row.GatewayId;
        }
    }
}
