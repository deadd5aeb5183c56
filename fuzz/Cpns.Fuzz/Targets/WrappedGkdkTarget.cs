using System.Security.Cryptography;
using Cpns.Crypto;
using Cpns.Fuzz.Seeds;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// What a PNE does with the wrapped GKDK of a GKDK Assignment Response (DeviceKeyStore.InstallWrappedGkdkAsync):
/// <see cref="WrappingKey.TryOpen"/> under the EU-Key, then <see cref="Gkdk.Import"/>. TryOpen never throws; Import
/// throws only FormatException.
/// </summary>
internal sealed class WrappedGkdkTarget : FuzzTarget
{
    private static readonly byte[] AssociatedData = "cpns/v1/fuzz-gkdk"u8.ToArray();
    private readonly WrappingKey _euKey = FixedKeys.WrappingKey();

    public override string Name => "wrapped-gkdk";

    public override string Description => "WrappingKey.TryOpen + Gkdk.Import, the PNE's GKDK install (FormatException only)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var plain = new byte[Math.Max(0, input.Length - WrappingKey.Overhead)];
        if (!_euKey.TryOpen(input, AssociatedData, plain, out var written))
        {
            Check(!plain.AsSpan().ContainsAnyExcept((byte)0), "a failed open leaves the destination wiped");
            return;
        }

        try
        {
            Gkdk.Import(plain.AsSpan(0, written)).Dispose();
        }
        catch (FormatException)
        {
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        using var keys = FixedKeys.KeyMaterialSet(4);
        using var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(keys, 5);
        yield return new("valid-sd-height4", _euKey.Seal(gkdk.Export(), AssociatedData));
        yield return new("valid-not-a-gkdk", _euKey.Seal([1, 2, 3], AssociatedData));
        yield return new("valid-empty-plaintext", _euKey.Seal([], AssociatedData));
        yield return new("edge-short", new byte[WrappingKey.Overhead - 1]);
    }
}
