using Cpns.Crypto;
using Cpns.Fuzz.Seeds;

namespace Cpns.Fuzz.Targets;

/// <summary><see cref="KeyMaterialSet.Import"/>, the gateway's key file content: FormatException only; round trip.</summary>
internal sealed class KeyMaterialSetTarget : FuzzTarget
{
    public override string Name => "key-material-set";

    public override string Description => "KeyMaterialSet.Import (FormatException only; round trip)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        KeyMaterialSet keys;
        try
        {
            keys = KeyMaterialSet.Import(input);
        }
        catch (FormatException)
        {
            return;
        }

        using (keys)
        {
            Check(keys.Export().AsSpan().SequenceEqual(input), "an imported key material set exports to its input");
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        foreach (var height in new[] { 1, 16, 24 })
        {
            using var keys = FixedKeys.KeyMaterialSet(height);
            yield return new($"valid-height{height}", keys.Export());
        }

        yield return new("edge-empty", []);
    }
}
