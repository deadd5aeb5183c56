using Cpns.Crypto;

namespace Cpns.Device.Storage;

/// <summary>The decrypted content of a key store. Only touched under the store's lock; disposing wipes every key.</summary>
internal sealed class StoreState : IDisposable
{
    public StoreState(string pneId) => PneId = pneId;

    public string PneId { get; }

    public string? PnId { get; set; }

    public string? GatewayId { get; set; }

    public WrappingKey? EuKey { get; set; }

    public Gkdk? Gkdk { get; set; }

    /// <summary>The PNE's PN client certificate, DER (public).</summary>
    public byte[]? ClientCertificate { get; set; }

    /// <summary>The certificate's private key, PKCS#8 DER, in a pinned array wiped on dispose.</summary>
    public byte[]? ClientKey { get; set; }

    /// <summary>The PN CA certificate pinned at pairing, DER (public).</summary>
    public byte[]? PnCaCertificate { get; set; }

    public Dictionary<string, GroupRecord> Groups { get; } = new(StringComparer.Ordinal);

    public void Dispose()
    {
        EuKey?.Dispose();
        EuKey = null;
        Gkdk?.Dispose();
        Gkdk = null;
        if (ClientKey is not null)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(ClientKey);
            ClientKey = null;
        }

        ClientCertificate = null;
        PnCaCertificate = null;
        foreach (var group in Groups.Values)
        {
            group.Dispose();
        }

        Groups.Clear();
    }
}
