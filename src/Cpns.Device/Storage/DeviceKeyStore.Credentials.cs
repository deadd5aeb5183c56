using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Crypto;

namespace Cpns.Device.Storage;

public sealed partial class DeviceKeyStore
{
    /// <summary>Whether the store holds the PN client certificate, its private key and the pinned PN CA.</summary>
    public bool HasTransportCredentials => Volatile.Read(ref _state).ClientKey is not null;

    /// <summary>
    /// Records the outcome of pairing in one atomic write: the PN, its gateway, the EU-Key, the PNE's PN client
    /// certificate with its private key (sealed in the store like every key), and the PN CA certificate the
    /// PNE pins from now on (docs/device-client.md, "Trust on pairing").
    /// </summary>
    /// <param name="pnId">The PN.</param>
    /// <param name="gatewayId">The PN GW.</param>
    /// <param name="euKey">The EU-Key (copied).</param>
    /// <param name="clientCertificate">The issued certificate joined to its ECDSA private key (exportable).</param>
    /// <param name="pnCaCertificate">The PN CA certificate.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>A task that completes once the store is on disk.</returns>
    public Task SetPairingAsync(
        string pnId,
        string gatewayId,
        WrappingKey euKey,
        X509Certificate2 clientCertificate,
        X509Certificate2 pnCaCertificate,
        CancellationToken cancellationToken = default)
    {
        CheckId(pnId, nameof(pnId));
        CheckId(gatewayId, nameof(gatewayId));
        ArgumentNullException.ThrowIfNull(euKey);
        ArgumentNullException.ThrowIfNull(clientCertificate);
        ArgumentNullException.ThrowIfNull(pnCaCertificate);
        using var key = clientCertificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException("The client certificate must carry its ECDSA private key.", nameof(clientCertificate));
        var exported = key.ExportPkcs8PrivateKey();
        var pinned = GC.AllocateArray<byte>(exported.Length, pinned: true);
        exported.CopyTo(pinned, 0);
        CryptographicOperations.ZeroMemory(exported);
        var certificate = clientCertificate.RawData;
        var ca = pnCaCertificate.RawData;
        return UpdateAsync(
            (state, _) =>
            {
                ApplyPairing(state, pnId, gatewayId, euKey);
                if (state.ClientKey is not null)
                {
                    CryptographicOperations.ZeroMemory(state.ClientKey);
                }

                state.ClientCertificate = certificate;
                state.ClientKey = pinned;
                state.PnCaCertificate = ca;
                return (true, true);
            },
            cancellationToken);
    }

    /// <summary>The PN client certificate with its private key, ready for TLS; null before pairing. The caller disposes it.</summary>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The certificate, or null.</returns>
    public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(
            state =>
            {
                if (state.ClientKey is null || state.ClientCertificate is null)
                {
                    return null;
                }

                using var publicOnly = X509CertificateLoader.LoadCertificate(state.ClientCertificate);
                using var key = ECDsa.Create();
                key.ImportPkcs8PrivateKey(state.ClientKey, out _);
                using var withKey = publicOnly.CopyWithPrivateKey(key);
                // Through PKCS#12: SslStream cannot use an ephemeral key on every platform.
                var pfx = withKey.Export(X509ContentType.Pkcs12);
                try
                {
                    return X509CertificateLoader.LoadPkcs12(pfx, password: null);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pfx);
                }
            },
            cancellationToken);

    /// <summary>The PN CA certificate pinned at pairing; null before pairing. The caller disposes it.</summary>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The certificate, or null.</returns>
    public Task<X509Certificate2?> GetPnCaCertificateAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(state => state.PnCaCertificate is null ? null : X509CertificateLoader.LoadCertificate(state.PnCaCertificate), cancellationToken);
}
