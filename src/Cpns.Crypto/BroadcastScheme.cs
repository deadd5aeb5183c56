using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Cpns.Crypto;

/// <summary>
/// A stateless broadcast encryption scheme over a PN Gateway's <see cref="KeyMaterialSet"/>: the
/// gateway derives each PNE's <see cref="Gkdk"/> once, and later encrypts a <see cref="GroupKey"/>
/// so that exactly a chosen set of leaves can decrypt it. Subset Difference is the product's scheme;
/// Complete Subtree and Direct share the interface as baselines.
/// </summary>
/// <remarks>
/// Every scheme builds the broadcast the same way (docs/crypto.md): a fresh 256-bit GKEK, a header
/// entry GKEK ⊕ AES-256_K(nonce‖0 ‖ nonce‖1) for each subset key K of the cover, and the Group Key
/// sealed under the GKEK with AES-256-GCM, the header in the associated data.
/// </remarks>
public abstract class BroadcastScheme
{
    private const int KeySize = 32;
    private static readonly byte[] AssociatedDataLabel = "cpns/v1/gk-broadcast"u8.ToArray();

    private protected BroadcastScheme()
    {
    }

    /// <summary>Subset Difference (NNL 2001 §3.2), the scheme PN Gateways use.</summary>
    public static BroadcastScheme SubsetDifference { get; } = new SubsetDifferenceScheme();

    /// <summary>Complete Subtree (NNL 2001 §3.1), a baseline.</summary>
    public static BroadcastScheme CompleteSubtree { get; } = new CompleteSubtreeScheme();

    /// <summary>One entry per member under its own key, a baseline.</summary>
    public static BroadcastScheme Direct { get; } = new DirectScheme();

    /// <summary>The scheme's id on the wire.</summary>
    public abstract BroadcastSchemeId Id { get; }

    /// <summary>The size of one subset id in a header entry.</summary>
    private protected abstract int SubsetIdSize { get; }

    internal int EntrySize => SubsetIdSize + BroadcastHeader.WrappedKeySize;

    /// <summary>Returns the scheme with the given id.</summary>
    public static BroadcastScheme Get(BroadcastSchemeId id) => id switch
    {
        BroadcastSchemeId.SubsetDifference => SubsetDifference,
        BroadcastSchemeId.CompleteSubtree => CompleteSubtree,
        BroadcastSchemeId.Direct => Direct,
        _ => throw new ArgumentOutOfRangeException(nameof(id), "Unknown broadcast scheme."),
    };

    /// <summary>Derives the GKDK of one leaf (flow 6.1.2.2 step 4).</summary>
    /// <param name="keyMaterialSet">The PN Gateway's key material set.</param>
    /// <param name="leaf">The PNE's leaf, 0 to 2^h - 1.</param>
    public Gkdk DeriveGkdk(KeyMaterialSet keyMaterialSet, int leaf)
    {
        ArgumentNullException.ThrowIfNull(keyMaterialSet);
        keyMaterialSet.ThrowIfDisposed();
        if (leaf < 0 || leaf >= keyMaterialSet.Capacity)
        {
            CryptoThrow.ArgumentOutOfRange(nameof(leaf), "The leaf is outside the tree.");
        }

        var keys = new SecretBuffer(GkdkKeyCount(keyMaterialSet.Height) * KeySize);
        DeriveGkdkCore(keyMaterialSet, leaf, keys.Span);
        return new Gkdk(Id, keyMaterialSet.Suite, keyMaterialSet.Height, leaf, keys);
    }

    /// <summary>
    /// Encrypts a Group Key for exactly the given leaves (flow 6.x.y steps 4 and 5): makes a fresh
    /// GKEK, wraps it for every subset of the cover of <paramref name="memberLeaves"/>, and seals
    /// the Group Key under it. Every other leaf, assigned or not, is excluded.
    /// </summary>
    /// <param name="keyMaterialSet">The PN Gateway's key material set.</param>
    /// <param name="memberLeaves">The leaves of the group's members in this PN, distinct, in any order.</param>
    /// <param name="groupKey">The Group Key to deliver.</param>
    /// <param name="pnId">The PN the broadcast is for; bound into the associated data.</param>
    public GroupKeyBroadcast Encrypt(KeyMaterialSet keyMaterialSet, ReadOnlySpan<int> memberLeaves, GroupKey groupKey, string pnId)
    {
        Span<byte> gkek = stackalloc byte[KeySize];
        Span<byte> nonce = stackalloc byte[GroupKeyBroadcast.NonceSize];
        RandomNumberGenerator.Fill(gkek);
        RandomNumberGenerator.Fill(nonce);
        try
        {
            return Encrypt(keyMaterialSet, memberLeaves, groupKey, pnId, gkek, nonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(gkek);
        }
    }

    /// <summary>
    /// Opens a broadcast with a GKDK (flow 6.x.y step 8). Returns <see cref="BroadcastDecryptStatus.NotARecipient"/>
    /// when the GKDK's leaf is not covered, never a wrong key.
    /// </summary>
    public BroadcastDecryptStatus TryDecrypt(Gkdk gkdk, GroupKeyBroadcast broadcast, [NotNullWhen(true)] out GroupKey? groupKey)
    {
        ArgumentNullException.ThrowIfNull(gkdk);
        ArgumentNullException.ThrowIfNull(broadcast);
        groupKey = null;
        if (gkdk.Scheme != Id || broadcast.Scheme != Id || broadcast.Suite != gkdk.Suite
            || broadcast.Nonce.Length != GroupKeyBroadcast.NonceSize || broadcast.SealedKey.Length != GroupKeyBroadcast.SealedKeySize
            || broadcast.Epoch == 0 || broadcast.GroupId.Length == 0)
        {
            return BroadcastDecryptStatus.Malformed;
        }

        var header = broadcast.Header.Span;
        var entrySize = EntrySize;
        if (!BroadcastHeader.TryValidate(header, Id, gkdk.Height, entrySize, out var count))
        {
            return BroadcastDecryptStatus.Malformed;
        }

        Span<byte> key = stackalloc byte[KeySize];
        var entries = header[BroadcastHeader.PrefixSize..];
        var found = FindMemberEntry(gkdk, entries, count, key);
        if (found < 0)
        {
            return BroadcastDecryptStatus.NotARecipient;
        }

        var status = OpenWithSubsetKey(key, entries.Slice((found * entrySize) + SubsetIdSize, BroadcastHeader.WrappedKeySize), broadcast, out groupKey);
        CryptographicOperations.ZeroMemory(key);
        return status;
    }

    /// <summary>Encrypts with a caller-chosen GKEK and nonce: for known-answer vectors only.</summary>
    internal GroupKeyBroadcast Encrypt(
        KeyMaterialSet keyMaterialSet,
        ReadOnlySpan<int> memberLeaves,
        GroupKey groupKey,
        string pnId,
        ReadOnlySpan<byte> gkek,
        ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(keyMaterialSet);
        ArgumentNullException.ThrowIfNull(groupKey);
        ArgumentException.ThrowIfNullOrEmpty(pnId);
        keyMaterialSet.ThrowIfDisposed();

        var height = keyMaterialSet.Height;
        var sorted = ArrayPool<int>.Shared.Rent(memberLeaves.Length);
        try
        {
            var members = sorted.AsSpan(0, memberLeaves.Length);
            memberLeaves.CopyTo(members);
            members.Sort();
            for (var m = 0; m < members.Length; m++)
            {
                if (members[m] < 0 || members[m] >= keyMaterialSet.Capacity)
                {
                    CryptoThrow.ArgumentOutOfRange(nameof(memberLeaves), "A member leaf is outside the tree.");
                }

                if (m > 0 && members[m] == members[m - 1])
                {
                    CryptoThrow.Argument(nameof(memberLeaves), "A member leaf appears twice.");
                }
            }

            var cover = new List<Subset>(Math.Max(4, members.Length / 8));
            Cover(height, members, cover);
            return Seal(keyMaterialSet, cover, groupKey, pnId, gkek, nonce);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(sorted);
        }
    }

    /// <summary>The number of 32-byte keys in a GKDK of this scheme for a tree of the given height.</summary>
    internal abstract int GkdkKeyCount(int height);

    /// <summary>Appends the cover of the sorted, distinct privileged leaves to <paramref name="cover"/>.</summary>
    internal abstract void Cover(int height, ReadOnlySpan<int> sortedMembers, List<Subset> cover);

    /// <summary>The gateway's derivation of a subset's key from the key material set.</summary>
    internal abstract void DeriveSubsetKey(KeyMaterialSet keyMaterialSet, Subset subset, Span<byte> key);

    /// <summary>
    /// The PNE's derivation: writes the subset's key and returns true when the GKDK's leaf is in the
    /// subset; returns false, writing nothing, otherwise (including for ids that name no valid subset).
    /// </summary>
    internal abstract bool TryDeriveMemberSubsetKey(Gkdk gkdk, Subset subset, Span<byte> key);

    /// <summary>
    /// Finds the one header entry whose subset holds the GKDK's leaf (the cover's subsets are
    /// disjoint) and writes that subset's key. Each scheme scans its raw entries in its own tight
    /// loop: the scan over hundreds of entries is most of a PNE's work besides the AES-GCM open.
    /// </summary>
    /// <returns>The entry's index, or -1 when no entry covers the leaf.</returns>
    private protected virtual int FindMemberEntry(Gkdk gkdk, ReadOnlySpan<byte> entries, int count, Span<byte> key)
    {
        var entrySize = EntrySize;
        for (var e = 0; e < count; e++)
        {
            if (TryDeriveMemberSubsetKey(gkdk, ReadSubset(entries.Slice(e * entrySize, SubsetIdSize)), key))
            {
                return e;
            }
        }

        return -1;
    }

    private protected abstract void DeriveGkdkCore(KeyMaterialSet keyMaterialSet, int leaf, Span<byte> keys);

    private protected abstract void WriteSubset(Subset subset, Span<byte> destination);

    private protected abstract Subset ReadSubset(ReadOnlySpan<byte> source);

    private GroupKeyBroadcast Seal(
        KeyMaterialSet keyMaterialSet,
        List<Subset> cover,
        GroupKey groupKey,
        string pnId,
        ReadOnlySpan<byte> gkek,
        ReadOnlySpan<byte> nonce)
    {
        var entrySize = EntrySize;
        var header = new byte[BroadcastHeader.PrefixSize + (cover.Count * entrySize)];
        BroadcastHeader.WritePrefix(header, Id, keyMaterialSet.Height, cover.Count);
        Span<byte> key = stackalloc byte[KeySize];
        for (var e = 0; e < cover.Count; e++)
        {
            var entry = header.AsSpan(BroadcastHeader.PrefixSize + (e * entrySize), entrySize);
            WriteSubset(cover[e], entry[..SubsetIdSize]);
            DeriveSubsetKey(keyMaterialSet, cover[e], key);
            WrapOrUnwrap(key, nonce, gkek, entry[SubsetIdSize..]);
        }

        CryptographicOperations.ZeroMemory(key);

        var sealedKey = new byte[GroupKeyBroadcast.SealedKeySize];
        var associatedData = RentAssociatedData(keyMaterialSet.Suite, pnId, groupKey.GroupId, groupKey.Epoch, header, out var associatedLength);
        try
        {
            using var aead = new AesGcm(gkek, 16);
            aead.Encrypt(nonce, groupKey.KeyBytes, sealedKey.AsSpan(0, GroupKey.KeySize), sealedKey.AsSpan(GroupKey.KeySize), associatedData.AsSpan(0, associatedLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(associatedData);
        }

        return new GroupKeyBroadcast(Id, keyMaterialSet.Suite, pnId, groupKey.GroupId, groupKey.Epoch, header, nonce.ToArray(), sealedKey);
    }

    private BroadcastDecryptStatus OpenWithSubsetKey(
        ReadOnlySpan<byte> subsetKey,
        ReadOnlySpan<byte> wrapped,
        GroupKeyBroadcast broadcast,
        out GroupKey? groupKey)
    {
        groupKey = null;
        Span<byte> gkek = stackalloc byte[KeySize];
        Span<byte> plain = stackalloc byte[GroupKey.KeySize];
        var nonce = broadcast.Nonce.Span;
        var associatedData = RentAssociatedData(broadcast.Suite, broadcast.PnId, broadcast.GroupId, broadcast.Epoch, broadcast.Header.Span, out var associatedLength);
        try
        {
            WrapOrUnwrap(subsetKey, nonce, wrapped, gkek);
            var sealedKey = broadcast.SealedKey.Span;
            using var aead = new AesGcm(gkek, 16);
            try
            {
                aead.Decrypt(nonce, sealedKey[..GroupKey.KeySize], sealedKey[GroupKey.KeySize..], plain, associatedData.AsSpan(0, associatedLength));
            }
            catch (AuthenticationTagMismatchException)
            {
                return BroadcastDecryptStatus.AuthenticationFailed;
            }

            groupKey = GroupKey.Import(broadcast.GroupId, broadcast.Epoch, plain);
            return BroadcastDecryptStatus.Success;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(gkek);
            CryptographicOperations.ZeroMemory(plain);
            ArrayPool<byte>.Shared.Return(associatedData);
        }
    }

    /// <summary>
    /// entry = GKEK ⊕ AES-256_K(nonce‖0x00000000 ‖ nonce‖0x00000001): counter mode under the subset
    /// key with the broadcast's fresh nonce, so one long-lived subset key never repeats a pad.
    /// The operation is its own inverse.
    /// </summary>
    private static void WrapOrUnwrap(ReadOnlySpan<byte> subsetKey, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<byte> counters = stackalloc byte[32];
        counters.Clear();
        nonce.CopyTo(counters);
        nonce.CopyTo(counters[16..]);
        counters[31] = 1;
        Span<byte> pad = stackalloc byte[32];
        AesBlock.Encrypt(subsetKey, counters, pad);
        for (var b = 0; b < KeySize; b++)
        {
            output[b] = (byte)(input[b] ^ pad[b]);
        }

        CryptographicOperations.ZeroMemory(pad);
    }

    /// <summary>
    /// Writes the associated data into a buffer rented from the shared pool; the caller returns it.
    /// The associated data is public (suite, scheme, ids, epoch, header), so the buffer needs no
    /// wiping, and renting spares a header-sized allocation per broadcast and per decryption
    /// (2.3 MB, on the large object heap, for a Direct broadcast to 65,536 PNEs).
    /// </summary>
    private byte[] RentAssociatedData(CipherSuite suite, string pnId, string groupId, ulong epoch, ReadOnlySpan<byte> header, out int length)
    {
        var pnLength = Encoding.UTF8.GetByteCount(pnId);
        var groupLength = Encoding.UTF8.GetByteCount(groupId);
        length = AssociatedDataLabel.Length + 2 + 1 + 2 + pnLength + 2 + groupLength + 8 + header.Length;
        var output = ArrayPool<byte>.Shared.Rent(length);
        var span = output.AsSpan(0, length);
        AssociatedDataLabel.CopyTo(span);
        span = span[AssociatedDataLabel.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)suite);
        span[2] = (byte)Id;
        span = span[3..];
        BinaryPrimitives.WriteUInt16BigEndian(span, checked((ushort)pnLength));
        span = span[(2 + Encoding.UTF8.GetBytes(pnId, span[2..]))..];
        BinaryPrimitives.WriteUInt16BigEndian(span, checked((ushort)groupLength));
        span = span[(2 + Encoding.UTF8.GetBytes(groupId, span[2..]))..];
        BinaryPrimitives.WriteUInt64BigEndian(span, epoch);
        header.CopyTo(span[8..]);
        return output;
    }
}
