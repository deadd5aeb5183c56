using System.Text.Json;

namespace Cpns.Crypto.Tests;

/// <summary>
/// Frozen vectors for the key schedule and one full broadcast of every scheme, so that an accidental
/// change of the wire format or of any derivation fails here. Regenerate only on a deliberate
/// format change: CPNS_WRITE_VECTORS=1 dotnet test, then commit Vectors/crypto-v1.json and bump the version.
/// </summary>
public sealed class KnownAnswerTests
{
    private const string FileName = "Vectors/crypto-v1.json";

    [Fact]
    public void Vectors_ComputedNow_MatchTheCommittedFile()
    {
        var computed = Compute();
        if (Environment.GetEnvironmentVariable("CPNS_WRITE_VECTORS") == "1")
        {
            var source = Path.Combine(FindTestsDirectory(), FileName);
            File.WriteAllText(source, JsonSerializer.Serialize(computed, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        var committed = JsonSerializer.Deserialize<SortedDictionary<string, string>>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, FileName)))!;
        Assert.Equal(committed.Keys, computed.Keys);
        foreach (var (name, value) in committed)
        {
            Assert.True(value == computed[name], $"Vector '{name}' changed.");
        }
    }

    private static SortedDictionary<string, string> Compute()
    {
        var vectors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var root = Enumerable.Range(0, 32).Select(b => (byte)b).ToArray();
        const int height = 4;
        using var kms = TestTrees.KeyMaterialSetFromRoot(height, root);
        vectors["kms.export"] = Convert.ToHexStringLower(kms.Export());
        vectors["kms.sd-label-key"] = Convert.ToHexStringLower(kms.SdLabelKey);
        vectors["kms.cs-node-key"] = Convert.ToHexStringLower(kms.CsNodeKey);
        vectors["kms.direct-leaf-key"] = Convert.ToHexStringLower(kms.DirectLeafKey);

        var label = new byte[32];
        NodeKeys.Derive(kms.SdLabelKey, 1, label);
        vectors["sd.label.1"] = Convert.ToHexStringLower(label);
        NodeKeys.Derive(kms.SdLabelKey, 5, label);
        vectors["sd.label.5"] = Convert.ToHexStringLower(label);
        var key = new byte[32];
        BroadcastScheme.SubsetDifference.DeriveSubsetKey(kms, new Subset(1, 5), key);
        vectors["sd.key.1.5"] = Convert.ToHexStringLower(key);
        BroadcastScheme.SubsetDifference.DeriveSubsetKey(kms, new Subset(2, 19), key);
        vectors["sd.key.2.19"] = Convert.ToHexStringLower(key);
        BroadcastScheme.SubsetDifference.DeriveSubsetKey(kms, SubsetDifferenceScheme.FullSet, key);
        vectors["sd.key.full-set"] = Convert.ToHexStringLower(key);

        int[] members = [0, 1, 2, 3, 6, 9, 10, 11, 12, 13];
        var gkek = Enumerable.Range(0x40, 32).Select(b => (byte)b).ToArray();
        var nonce = Enumerable.Range(0x80, 12).Select(b => (byte)b).ToArray();
        using var gk = GroupKey.Import("group-1", 7, Enumerable.Range(0xa0, 32).Select(b => (byte)b).ToArray());
        foreach (var id in new[] { BroadcastSchemeId.SubsetDifference, BroadcastSchemeId.CompleteSubtree, BroadcastSchemeId.Direct })
        {
            var scheme = BroadcastScheme.Get(id);
            var name = id.ToString();
            using var gkdk = scheme.DeriveGkdk(kms, 6);
            vectors[$"{name}.gkdk.6"] = Convert.ToHexStringLower(gkdk.Export());
            var broadcast = scheme.Encrypt(kms, members, gk, "pn-1", gkek, nonce);
            vectors[$"{name}.broadcast.header"] = Convert.ToHexStringLower(broadcast.Header.Span);
            vectors[$"{name}.broadcast.sealed"] = Convert.ToHexStringLower(broadcast.SealedKey.Span);
        }

        return vectors;
    }

    private static string FindTestsDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cpns.Crypto.Tests.csproj")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The test project folder was not found.");
    }
}
