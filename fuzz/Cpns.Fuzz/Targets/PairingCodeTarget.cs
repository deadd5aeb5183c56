using System.Text;
using Cpns.Crypto;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// The pairing code a user types: <see cref="PairingCode.TryParse"/> never throws, and
/// <see cref="DevicePairing.Start"/> throws only FormatException, exactly when TryParse refuses.
/// </summary>
internal sealed class PairingCodeTarget : FuzzTarget
{
    public override string Name => "pairing-code";

    public override string Description => "PairingCode.TryParse, DevicePairing.Start on typed text (FormatException only)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        var parsed = PairingCode.TryParse(text, out var code);
        Check(parsed == (code is not null), "a parsed code comes with true only");
        if (parsed)
        {
            Check(PairingCode.TryParse(code!.Text, out var again) && again!.Text == code.Text, "a parsed code prints to text that parses to it");
        }

        try
        {
            DevicePairing.Start("pne-fuzz", text).Dispose();
            Check(parsed, "Start accepts only what TryParse accepts");
        }
        catch (FormatException)
        {
            Check(!parsed, "Start refuses only what TryParse refuses");
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        yield return new("valid-dashes", "1234-5678-9012-3456"u8.ToArray());
        yield return new("valid-spaces", " 0000 0000 0000 0000 "u8.ToArray());
        yield return new("valid-bare", "9999999999999999"u8.ToArray());
        yield return new("edge-short", "1234-5678"u8.ToArray());
        yield return new("edge-arabic-digits", "١٢٣٤-٥٦٧٨-٩٠١٢-٣٤٥٦"u8.ToArray());
        yield return new("edge-empty", []);
    }
}
