using System.Security.Cryptography;

namespace Cpns.Crypto.Tests;

/// <summary>The contract every scheme keeps, run over Subset Difference, Complete Subtree and Direct.</summary>
public sealed class BroadcastSchemeTests
{
    public static TheoryData<BroadcastSchemeId> Schemes =>
        [BroadcastSchemeId.SubsetDifference, BroadcastSchemeId.CompleteSubtree, BroadcastSchemeId.Direct];

    [Theory]
    [MemberData(nameof(Schemes))]
    public void TryDecrypt_EveryMember_RecoversTheGroupKey(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        using var kms = KeyMaterialSet.Create(5);
        using var gk = GroupKey.Create("family-photos", 3);
        int[] members = [0, 1, 2, 7, 8, 9, 15, 16, 30, 31];
        var broadcast = scheme.Encrypt(kms, members, gk, "pn-a");

        foreach (var leaf in members)
        {
            using var gkdk = scheme.DeriveGkdk(kms, leaf);
            Assert.Equal(BroadcastDecryptStatus.Success, scheme.TryDecrypt(gkdk, broadcast, out var received));
            using (received!)
            {
                Assert.True(received!.KeyEquals(gk));
                Assert.Equal("family-photos", received!.GroupId);
                Assert.Equal(3ul, received.Epoch);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void TryDecrypt_EveryNonMember_IsNotARecipient(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        using var kms = KeyMaterialSet.Create(5);
        using var gk = GroupKey.Create("g", 1);
        int[] members = [3, 4, 5, 20];
        var broadcast = scheme.Encrypt(kms, members, gk, "pn-a");

        foreach (var leaf in Enumerable.Range(0, 32).Except(members))
        {
            using var gkdk = scheme.DeriveGkdk(kms, leaf);
            Assert.Equal(BroadcastDecryptStatus.NotARecipient, scheme.TryDecrypt(gkdk, broadcast, out var received));
            Assert.Null(received);
        }
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void TryDecrypt_AlteredBinding_FailsAuthentication(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        using var kms = KeyMaterialSet.Create(4);
        using var gk = GroupKey.Create("g", 9);
        var broadcast = scheme.Encrypt(kms, [1, 2, 3], gk, "pn-a");
        using var gkdk = scheme.DeriveGkdk(kms, 2);

        GroupKeyBroadcast With(string? pn = null, string? group = null, ulong? epoch = null, byte[]? header = null, byte[]? sealedKey = null) =>
            new(broadcast.Scheme, broadcast.Suite, pn ?? broadcast.PnId, group ?? broadcast.GroupId, epoch ?? broadcast.Epoch,
                header ?? broadcast.Header, broadcast.Nonce, sealedKey ?? broadcast.SealedKey);

        var flippedSeal = broadcast.SealedKey.ToArray();
        flippedSeal[^1] ^= 1;
        var flippedEntry = broadcast.Header.ToArray();
        flippedEntry[^1] ^= 0x80;

        Assert.Equal(BroadcastDecryptStatus.AuthenticationFailed, scheme.TryDecrypt(gkdk, With(pn: "pn-b"), out _));
        Assert.Equal(BroadcastDecryptStatus.AuthenticationFailed, scheme.TryDecrypt(gkdk, With(group: "h"), out _));
        Assert.Equal(BroadcastDecryptStatus.AuthenticationFailed, scheme.TryDecrypt(gkdk, With(epoch: 10), out _));
        Assert.Equal(BroadcastDecryptStatus.AuthenticationFailed, scheme.TryDecrypt(gkdk, With(sealedKey: flippedSeal), out _));
        Assert.Equal(BroadcastDecryptStatus.AuthenticationFailed, scheme.TryDecrypt(gkdk, With(header: flippedEntry), out _));
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void TryDecrypt_MalformedHeader_IsMalformed(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        using var kms = KeyMaterialSet.Create(4);
        using var gk = GroupKey.Create("g", 1);
        var broadcast = scheme.Encrypt(kms, [1, 2, 3], gk, "pn-a");
        using var gkdk = scheme.DeriveGkdk(kms, 2);
        var header = broadcast.Header.ToArray();

        foreach (var bad in new[] { header[..^1], header[..3], [], Mutate(header, 0), Mutate(header, 1), Mutate(header, 2), Mutate(header, 6) })
        {
            var altered = new GroupKeyBroadcast(broadcast.Scheme, broadcast.Suite, broadcast.PnId, broadcast.GroupId, broadcast.Epoch, bad, broadcast.Nonce, broadcast.SealedKey);
            Assert.Equal(BroadcastDecryptStatus.Malformed, scheme.TryDecrypt(gkdk, altered, out _));
        }

        static byte[] Mutate(byte[] source, int index)
        {
            var copy = source.ToArray();
            copy[index] ^= 0x11;
            return copy;
        }
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void TryDecrypt_RandomHeaderEntries_NeverThrows(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        using var kms = KeyMaterialSet.Create(6);
        using var gk = GroupKey.Create("g", 1);
        var broadcast = scheme.Encrypt(kms, [1, 2, 3, 40], gk, "pn-a");
        using var gkdk = scheme.DeriveGkdk(kms, 2);
        var header = broadcast.Header.ToArray();
        for (var n = 0; n < 2_000; n++)
        {
            // Keep the prefix valid so the random node ids reach the subset lookup.
            RandomNumberGenerator.Fill(header.AsSpan(BroadcastHeader.PrefixSize));
            var altered = new GroupKeyBroadcast(broadcast.Scheme, broadcast.Suite, broadcast.PnId, broadcast.GroupId, broadcast.Epoch, header, broadcast.Nonce, broadcast.SealedKey);
            var status = scheme.TryDecrypt(gkdk, altered, out var received);
            Assert.NotEqual(BroadcastDecryptStatus.Success, status);
            Assert.Null(received);
        }
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void TryDecrypt_GkdkOfAnotherScheme_IsMalformed(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        var other = BroadcastScheme.Get(id == BroadcastSchemeId.Direct ? BroadcastSchemeId.SubsetDifference : BroadcastSchemeId.Direct);
        using var kms = KeyMaterialSet.Create(4);
        using var gk = GroupKey.Create("g", 1);
        var broadcast = scheme.Encrypt(kms, [1], gk, "pn-a");
        using var gkdk = other.DeriveGkdk(kms, 1);

        Assert.Equal(BroadcastDecryptStatus.Malformed, scheme.TryDecrypt(gkdk, broadcast, out _));
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Gkdk_ExportImport_DecryptsTheSame(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        using var kms = KeyMaterialSet.Create(8);
        using var gk = GroupKey.Create("g", 2);
        var broadcast = scheme.Encrypt(kms, [5, 77, 200], gk, "pn-a");
        using var original = scheme.DeriveGkdk(kms, 77);

        using var imported = Gkdk.Import(original.Export());

        Assert.Equal(77, imported.Leaf);
        Assert.Equal(8, imported.Height);
        Assert.Equal(scheme.GkdkKeyCount(8), imported.KeyCount);
        Assert.Equal(BroadcastDecryptStatus.Success, scheme.TryDecrypt(imported, broadcast, out var received));
        received!.Dispose();
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Gkdk_ExportIntoSpan_SameBytesAsTheArrayAndShortDestinationRefused(BroadcastSchemeId id)
    {
        using var kms = KeyMaterialSet.Create(6);
        using var gkdk = BroadcastScheme.Get(id).DeriveGkdk(kms, 9);
        var destination = new byte[gkdk.ExportedLength + 3];

        gkdk.Export(destination);

        Assert.Equal(gkdk.Export(), destination[..gkdk.ExportedLength]);
        Assert.Equal(new byte[3], destination[gkdk.ExportedLength..]);
        Assert.Throws<ArgumentException>(() => gkdk.Export(new byte[gkdk.ExportedLength - 1]));
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Encrypt_DuplicateOrOutOfRangeLeaf_Throws(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        using var kms = KeyMaterialSet.Create(4);
        using var gk = GroupKey.Create("g", 1);

        Assert.Throws<ArgumentException>(() => scheme.Encrypt(kms, [1, 1], gk, "pn"));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheme.Encrypt(kms, [16], gk, "pn"));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheme.Encrypt(kms, [-1], gk, "pn"));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheme.DeriveGkdk(kms, 16));
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Cover_SubsetsAreDisjointAndCoverExactlyTheMembers(BroadcastSchemeId id)
    {
        var scheme = BroadcastScheme.Get(id);
        var random = new Random(7);
        for (var n = 0; n < 300; n++)
        {
            var height = random.Next(1, 9);
            var members = TestTrees.DistinctLeaves(height, Enumerable.Range(0, random.Next(0, 1 << height)).Select(_ => random.Next()));
            Array.Sort(members);
            var cover = new List<Subset>();
            scheme.Cover(height, members, cover);

            var covered = cover.SelectMany(s => TestTrees.Leaves(id, height, s)).ToList();
            Assert.Equal(covered.Count, covered.Distinct().Count());
            Assert.Equal(members, covered.Order());
        }
    }
}
