namespace Cpns.Crypto;

/// <summary>
/// One Group Key delivery from a PN Gateway to its PN (flow 6.x.y steps 4–6): the header wraps a
/// fresh GKEK once per subset of the cover, and the Group Key is sealed under the GKEK with
/// AES-256-GCM whose associated data binds suite, scheme, PN, group, epoch and the header itself.
/// </summary>
public sealed class GroupKeyBroadcast
{
    /// <summary>The AES-GCM nonce size in bytes.</summary>
    public const int NonceSize = 12;

    /// <summary>The size of the sealed Group Key: 32 bytes of ciphertext and a 16-byte tag.</summary>
    public const int SealedKeySize = GroupKey.KeySize + 16;

    /// <summary>Creates a broadcast from its parts, as read from the wire.</summary>
    public GroupKeyBroadcast(
        BroadcastSchemeId scheme,
        CipherSuite suite,
        string pnId,
        string groupId,
        ulong epoch,
        ReadOnlyMemory<byte> header,
        ReadOnlyMemory<byte> nonce,
        ReadOnlyMemory<byte> sealedKey)
    {
        ArgumentNullException.ThrowIfNull(pnId);
        ArgumentNullException.ThrowIfNull(groupId);
        Scheme = scheme;
        Suite = suite;
        PnId = pnId;
        GroupId = groupId;
        Epoch = epoch;
        Header = header;
        Nonce = nonce;
        SealedKey = sealedKey;
    }

    /// <summary>The broadcast encryption scheme.</summary>
    public BroadcastSchemeId Scheme { get; }

    /// <summary>The cipher suite.</summary>
    public CipherSuite Suite { get; }

    /// <summary>The Personal Network the broadcast was made for.</summary>
    public string PnId { get; }

    /// <summary>The Service Group whose key is carried.</summary>
    public string GroupId { get; }

    /// <summary>The epoch of the carried key.</summary>
    public ulong Epoch { get; }

    /// <summary>The canonical header: version, scheme, height, entry count, then one entry per subset.</summary>
    public ReadOnlyMemory<byte> Header { get; }

    /// <summary>The 12-byte nonce shared by the header entries and the seal.</summary>
    public ReadOnlyMemory<byte> Nonce { get; }

    /// <summary>The Group Key sealed under the GKEK: ciphertext then tag.</summary>
    public ReadOnlyMemory<byte> SealedKey { get; }

    /// <summary>The number of header entries (subsets of the cover); -1 when the header is malformed.</summary>
    public int HeaderEntryCount => BroadcastHeader.TryReadCount(Header.Span, out var count) ? count : -1;

    /// <inheritdoc/>
    public override string ToString() =>
        $"GroupKeyBroadcast(scheme={Scheme}, pn={PnId}, group={GroupId}, epoch={Epoch}, headerBytes={Header.Length})";
}
