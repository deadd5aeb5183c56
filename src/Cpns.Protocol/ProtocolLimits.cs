namespace Cpns.Protocol;

/// <summary>Sizes and ranges the codec enforces; senders use them to stay within what receivers accept.</summary>
public static class ProtocolLimits
{
    /// <summary>Largest header of a <c>GroupKeyBroadcast</c>, 4 MiB.</summary>
    public const int MaxBroadcastHeaderLength = 4 * 1024 * 1024;

    /// <summary>
    /// Largest encoded envelope, checked before parsing: the largest broadcast header plus 64 KiB for
    /// the envelope and the other fields of the broadcast.
    /// </summary>
    public const int MaxMessageSize = MaxBroadcastHeaderLength + (64 * 1024);

    /// <summary>
    /// Nesting limit of an envelope's encoding. The schema nests three deep (envelope, sync
    /// response, notification); the margin only serves unknown groups, which are refused anyway:
    /// nested deeper than this as malformed, else as unknown fields.
    /// </summary>
    public const int ParseRecursionLimit = 8;

    /// <summary>Length of <c>message_id</c>, <c>correlation_id</c> and <c>pairing_id</c>.</summary>
    public const int IdLength = 16;

    /// <summary>Longest identifier (pne_id, group_id, gateway_id, pn_id, sender_id).</summary>
    public const int MaxIdentifierLength = 128;

    /// <summary>Longest PNE alias, in Unicode scalar values.</summary>
    public const int MaxAliasLength = 64;

    /// <summary>Longest Service Group name, in Unicode scalar values.</summary>
    public const int MaxGroupNameLength = 64;

    /// <summary>Length of an uncompressed SEC 1 P-256 point (0x04 || X || Y).</summary>
    public const int EcPublicKeyLength = 65;

    /// <summary>Length of a pairing key-confirmation MAC (HMAC-SHA-256).</summary>
    public const int ConfirmationLength = 32;

    /// <summary>Largest certificate signing request (DER).</summary>
    public const int MaxCertificateSigningRequestLength = 4 * 1024;

    /// <summary>Largest certificate (DER).</summary>
    public const int MaxCertificateLength = 8 * 1024;

    /// <summary>Smallest wrapped GKDK: a 12-byte nonce and a 16-byte tag around an empty plaintext.</summary>
    public const int MinWrappedGkdkLength = NonceLength + TagLength;

    /// <summary>Largest wrapped GKDK, 1 MiB.</summary>
    public const int MaxWrappedGkdkLength = 1024 * 1024;

    /// <summary>Smallest key tree height.</summary>
    public const int MinTreeHeight = 1;

    /// <summary>Largest key tree height (2^24 PNEs per PN).</summary>
    public const int MaxTreeHeight = 24;

    /// <summary>AES-GCM nonce length.</summary>
    public const int NonceLength = 12;

    /// <summary>AES-GCM tag length.</summary>
    public const int TagLength = 16;

    /// <summary>Group Key length (AES-256).</summary>
    public const int GroupKeyLength = 32;

    /// <summary>Length of a Group Key wrapped for a gateway: nonce || key || tag.</summary>
    public const int WrappedGroupKeyLength = NonceLength + GroupKeyLength + TagLength;

    /// <summary>Length of a Group Key sealed under a GKEK: key || tag (the nonce travels apart).</summary>
    public const int SealedGroupKeyLength = GroupKeyLength + TagLength;

    /// <summary>Most entries in any list of PNEs or members (2^24, one full key tree).</summary>
    public const int MaxListEntries = 1 << 24;

    /// <summary>Shortest periodic rotation interval, in seconds, when rotation is on.</summary>
    public const uint MinRotationIntervalSeconds = 60;

    /// <summary>Longest periodic rotation interval, in seconds (365 days).</summary>
    public const uint MaxRotationIntervalSeconds = 31_536_000;

    /// <summary>Latest timestamp accepted, in Unix milliseconds: <see cref="DateTimeOffset.MaxValue"/>, so every accepted value converts.</summary>
    public const long MaxUnixTimeMilliseconds = 253_402_300_799_999;
}
