using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Crypto;
using Cpns.Server.Auth;
using Cpns.Server.Deliveries;
using Cpns.Server.Domain;
using Cpns.Server.Errors;
using Cpns.Server.Mqtt;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Enrollment;

/// <summary>
/// One-time, expiring gateway enrollment tokens and the enrollment itself. Creating a token is an operator action; a
/// gateway redeems it over HTTPS (<c>POST /gateways/enroll</c>, it has no certificate yet) and gets a client certificate
/// for the gateway id the token names and its per-gateway key.
/// </summary>
internal sealed partial class EnrollmentService(
    CpnsDatabase database,
    SecretProtector protector,
    ServerCertificates certificates,
    DeliverySignal deliverySignal,
    EnrolledGateways enrolledGateways,
    TimeProvider time,
    ILogger<EnrollmentService> logger)
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
    /// Enrolls a gateway: checks the certificate request first (a bad one does not burn the token), redeems the token,
    /// issues a certificate whose CN is the gateway id the token names (the request's subject is ignored) and creates
    /// the per-gateway key, sealed under the master key. Re-enrolling a gateway replaces its certificate and key; its
    /// pending deliveries go out at once under the new key.
    /// </summary>
    /// <exception cref="ServerException">400 for a bad request, 401 for a refused token (the reason is logged).</exception>
    public async Task<GatewayEnrolled> EnrollAsync(string token, byte[] pkcs10, CancellationToken cancellationToken)
    {
        CheckSigningRequest(pkcs10);
        var gatewayId = await RedeemAsync(token, cancellationToken).ConfigureAwait(false) ?? throw ServerError.EnrollmentRefused();
        if (string.Equals(gatewayId, ServerCertificates.ServerIdentity, StringComparison.OrdinalIgnoreCase))
        {
            LogRefused(logger, "(redeemed)", "the token names the server identity");
            throw ServerError.EnrollmentRefused();
        }

        using var certificate = certificates.IssueGatewayCertificate(gatewayId, pkcs10);
        var key = new byte[WrappingKey.KeySize];
        using (var wrapping = WrappingKey.Create())
        {
            wrapping.Export(key);
        }

        try
        {
            var sealedKey = protector.SealGatewayKey(gatewayId, key);
            var reenrolled = await database.WriteAsync(async (db, ct) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                var gateway = await db.Gateways.FindAsync([gatewayId], ct).ConfigureAwait(false);
                if (gateway is null)
                {
                    gateway = new Gateway { Id = gatewayId, CreatedAt = now };
                    db.Gateways.Add(gateway);
                }

                var again = gateway.SealedKey is not null;
                gateway.SealedKey = sealedKey;
                gateway.EnrolledAt = now;
                gateway.CertificateSerial = certificate.SerialNumber;
                gateway.CertificateExpiresAt = certificate.NotAfter.ToUniversalTime();
                db.Audit.Add(new AuditEntry
                {
                    At = now,
                    Actor = Caller.System.AuditName,
                    Action = again ? "gateway.reenrolled" : "gateway.enrolled",
                    Detail = $"{gatewayId}, certificate {certificate.SerialNumber}",
                });

                // Deliveries that waited for the gateway's key (or were wrapped under the old one) go out now.
                await db.Deliveries.Where(d => d.GatewayId == gatewayId && d.Status == DeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, (DateTime?)null), ct).ConfigureAwait(false);
                return again;
            }, cancellationToken).ConfigureAwait(false);

            LogEnrolled(logger, gatewayId, certificate.SerialNumber, reenrolled);
            enrolledGateways.Invalidate(gatewayId);
            deliverySignal.Notify();
            return new GatewayEnrolled(gatewayId, certificate.RawData, certificates.Authority.Certificate.RawData, key, reenrolled);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(key);
            throw;
        }
    }

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

    internal static void CheckSigningRequest(byte[] pkcs10)
    {
        try
        {
            // Verifies the self-signature (proof of possession) before the token is spent.
            var request = CertificateRequest.LoadSigningRequest(pkcs10, HashAlgorithmName.SHA256, out var consumed);
            using var key = request.PublicKey.GetECDsaPublicKey();
            if (consumed == pkcs10.Length && key is not null && key.KeySize is 256 or 384)
            {
                return;
            }
        }
        catch (Exception e) when (e is CryptographicException or NotSupportedException)
        {
            // A signature algorithm .NET does not know is NotSupportedException, a key on a curve OpenSSL does not
            // know PlatformNotSupportedException (one of its kind), neither a CryptographicException: found by fuzz/
            // target enrollment-csr, both escaped as a 500.
        }

        throw ServerError.Invalid("csr", "'csr' must be a DER PKCS#10 request with a valid signature and an ECDSA P-256 or P-384 key.");
    }
}
