using Cpns.Fuzz.Targets;

namespace Cpns.Fuzz;

/// <summary>Every target, by name: one per decoder of untrusted input.</summary>
/// <remarks>
/// Factories, not instances: a target's constructor runs instrumented code (key derivations), and instrumented code
/// may only run once SharpFuzz's fork server has mapped the coverage bitmap, so under afl-fuzz the selected target
/// is made inside the fuzzing loop, and no other target is made at all.
/// </remarks>
internal static class FuzzTargets
{
    private static readonly KeyValuePair<string, Func<FuzzTarget>>[] Factories =
    [
        new("envelope", () => new EnvelopeTarget()),
        new("protocol-validators", () => new ProtocolValidatorsTarget()),
        new("broadcast", () => new BroadcastTarget()),
        new("gkdk", () => new GkdkTarget()),
        new("key-material-set", () => new KeyMaterialSetTarget()),
        new("wrapped-gkdk", () => new WrappedGkdkTarget()),
        new("pairing-code", () => new PairingCodeTarget()),
        new("pairing-keys", () => new PairingKeysTarget()),
        new("store-codec", () => new StoreCodecTarget()),
        new("store-file", () => new StoreFileTarget()),
        new("group-message", () => new GroupMessageTarget()),
        new("gateway-pne-up", () => new GatewayPneUpTarget()),
        new("gateway-server-down", () => new GatewayServerDownTarget()),
        new("retained-messages", () => new RetainedMessagesTarget()),
        new("topics", () => new TopicsTarget()),
        new("server-uplink", () => new ServerUplinkTarget()),
        new("rest-input", () => new RestInputTarget()),
        new("enrollment-csr", () => new EnrollmentCsrTarget()),
        new("pne-csr", () => new PneCsrTarget()),
    ];

    public static IEnumerable<string> Names => Factories.Select(f => f.Key);

    /// <summary>Makes every target (not under afl-fuzz: see the remarks).</summary>
    public static IEnumerable<FuzzTarget> CreateAll() => Factories.Select(f => f.Value());

    public static Func<FuzzTarget>? Find(string name) =>
        Factories.FirstOrDefault(f => string.Equals(f.Key, name, StringComparison.Ordinal)).Value;
}
