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

    public Dictionary<string, GroupRecord> Groups { get; } = new(StringComparer.Ordinal);

    public void Dispose()
    {
        EuKey?.Dispose();
        EuKey = null;
        Gkdk?.Dispose();
        Gkdk = null;
        foreach (var group in Groups.Values)
        {
            group.Dispose();
        }

        Groups.Clear();
    }
}
