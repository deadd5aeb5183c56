using Cpns.Crypto;

namespace Cpns.Gateway;

/// <summary>Settings of the PN Gateway core (section <c>Cpns:Gateway</c> when bound from configuration).</summary>
public sealed class GatewayOptions
{
    /// <summary>The directory that holds <c>gateway.db</c> and the local master key <c>gateway.key</c>.</summary>
    public string DataDirectory { get; set; } = Path.Combine(".data", "gateway");

    /// <summary>The height h of the key material set's tree, created at the first GKDK request (flow 6.1.2.2 step 3): 2^h PNEs.</summary>
    public int TreeHeight { get; set; } = KeyMaterialSet.DefaultHeight;

    /// <summary>How long a pairing code stays valid.</summary>
    public TimeSpan PairingTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wrong confirmations after which a pairing session is dead.</summary>
    public int MaxWrongConfirmationsPerSession { get; set; } = 3;

    /// <summary>Wrong confirmations, over all sessions, accepted in any one minute; beyond it every confirmation is refused until the minute has passed.</summary>
    public int MaxWrongConfirmationsPerMinute { get; set; } = 10;
}
