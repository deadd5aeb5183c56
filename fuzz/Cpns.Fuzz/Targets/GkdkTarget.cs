using Cpns.Crypto;
using Cpns.Fuzz.Seeds;

namespace Cpns.Fuzz.Targets;

/// <summary><see cref="Crypto.Gkdk.Import"/>: FormatException only; what imports exports back to the same bytes.</summary>
internal sealed class GkdkTarget : FuzzTarget
{
    public override string Name => "gkdk";

    public override string Description => "Gkdk.Import (FormatException only; round trip)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        Gkdk gkdk;
        try
        {
            gkdk = Gkdk.Import(input);
        }
        catch (FormatException)
        {
            return;
        }

        using (gkdk)
        {
            Check(gkdk.Export().AsSpan().SequenceEqual(input), "an imported GKDK exports to its input");
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        foreach (var height in new[] { 1, 4, 10 })
        {
            using var keys = FixedKeys.KeyMaterialSet(height);
            foreach (var scheme in new[] { BroadcastScheme.SubsetDifference, BroadcastScheme.CompleteSubtree, BroadcastScheme.Direct })
            {
                using var gkdk = scheme.DeriveGkdk(keys, (1 << height) - 1);
                yield return new($"valid-{scheme.Id}-height{height}", gkdk.Export());
            }
        }

        yield return new("edge-empty", []);
        yield return new("edge-header-only", [1, 1, 0, 1, 24, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
}
