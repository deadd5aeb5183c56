using Cpns.Crypto;
using System.Diagnostics.CodeAnalysis;

namespace Cpns.Gateway.Tests.TestSupport;

/// <summary>A PNE as the tests play it: its EU-Key from pairing and, once assigned, its GKDK.</summary>
internal sealed class TestPne(string pneId, WrappingKey euKey) : IDisposable
{
    public string PneId { get; } = pneId;

    public WrappingKey EuKey { get; } = euKey;

    public Gkdk? Gkdk { get; set; }

    public BroadcastDecryptStatus TryDecrypt(GroupKeyBroadcast broadcast, [NotNullWhen(true)] out GroupKey? groupKey)
    {
        Assert.NotNull(Gkdk);
        return BroadcastScheme.SubsetDifference.TryDecrypt(Gkdk, broadcast, out groupKey);
    }

    public void Dispose()
    {
        EuKey.Dispose();
        Gkdk?.Dispose();
    }
}
