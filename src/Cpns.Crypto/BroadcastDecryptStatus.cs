namespace Cpns.Crypto;

/// <summary>The outcome of opening a <see cref="GroupKeyBroadcast"/> with a <see cref="Gkdk"/>.</summary>
public enum BroadcastDecryptStatus
{
    /// <summary>The Group Key was recovered and authenticated.</summary>
    Success = 0,

    /// <summary>The PNE holding the GKDK is not among the broadcast's recipients (no header entry covers its leaf).</summary>
    NotARecipient = 1,

    /// <summary>A header entry covers the PNE but the sealed Group Key failed authentication: the broadcast was altered or forged.</summary>
    AuthenticationFailed = 2,

    /// <summary>The broadcast is not well formed for this GKDK (scheme, suite, tree height or header encoding).</summary>
    Malformed = 3,
}
