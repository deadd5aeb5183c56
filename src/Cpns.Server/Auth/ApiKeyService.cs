using Cpns.Server.Domain;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Auth;

/// <summary>Creates API keys (shown once) and authenticates presented keys against their stored hashes.</summary>
internal sealed class ApiKeyService(CpnsDatabase database, TimeProvider time)
{
    public const string Prefix = "cpns";
    public const string BootstrapKeyId = "bootstrap";

    /// <summary>Creates a key and returns the only copy of its secret form.</summary>
    public async Task<string> CreateAsync(string name, ApiKeyScope scope, CancellationToken cancellationToken, string? id = null)
    {
        var (keyId, token, hash) = OpaqueToken.Create(Prefix, id);
        await database.WriteAsync((db, _) =>
        {
            db.ApiKeys.Add(new ApiKey { Id = keyId, Name = name, Scope = scope, SecretHash = hash, CreatedAt = time.GetUtcNow().UtcDateTime });
            db.Audit.Add(new AuditEntry { At = time.GetUtcNow().UtcDateTime, Actor = "admin", Action = "apikey.created", Detail = $"{keyId} ({name}, {scope})" });
            return Task.FromResult(0);
        }, cancellationToken).ConfigureAwait(false);
        return token;
    }

    /// <summary>
    /// First start: creates the bootstrap operator key if no key exists. Null when a key exists (also when another
    /// instance starting at the same moment won: the fixed id makes the second insert conflict, and the retry sees it).
    /// </summary>
    public async Task<string?> TryCreateBootstrapKeyAsync(CancellationToken cancellationToken)
    {
        return await database.WriteAsync(async (db, ct) =>
        {
            if (await db.ApiKeys.AnyAsync(ct).ConfigureAwait(false))
            {
                return null;
            }

            var (keyId, token, hash) = OpaqueToken.Create(Prefix, BootstrapKeyId);
            var now = time.GetUtcNow().UtcDateTime;
            db.ApiKeys.Add(new ApiKey { Id = keyId, Name = "bootstrap operator", Scope = ApiKeyScope.Operator, SecretHash = hash, CreatedAt = now });
            db.Audit.Add(new AuditEntry { At = now, Actor = "system", Action = "apikey.created", Detail = $"{keyId} (bootstrap operator, Operator)" });
            return token;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            return await db.ApiKeys.AnyAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The caller a presented key belongs to, or null for an unknown, malformed, wrong or revoked key.</summary>
    public async Task<Caller?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (!OpaqueToken.TryParseId(presented, Prefix, out var id))
        {
            return null;
        }

        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var key = await db.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == id, cancellationToken).ConfigureAwait(false);
            if (key is null || key.RevokedAt is not null || !OpaqueToken.Matches(presented, key.SecretHash))
            {
                return null;
            }

            return new Caller(key.Id, key.Name, key.Scope);
        }
    }
}
