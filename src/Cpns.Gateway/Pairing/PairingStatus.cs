namespace Cpns.Gateway.Pairing;

/// <summary>The outcome of a pairing (EU-Key assignment) request or confirmation; every refusal has its own reason.</summary>
public enum PairingStatus
{
    /// <summary>Accepted.</summary>
    Success = 0,

    /// <summary>No pairing session has this pairing id.</summary>
    UnknownSession = 1,

    /// <summary>The session's code has expired.</summary>
    Expired = 2,

    /// <summary>The session already registered a PNE; codes are single use.</summary>
    AlreadyUsed = 3,

    /// <summary>The confirmation does not prove the code (a mistyped code, or a guess).</summary>
    WrongCode = 4,

    /// <summary>Too many wrong confirmations: for this session (it is dead) or for the gateway in the last minute.</summary>
    RateLimited = 5,

    /// <summary>The PNE's public key is not an uncompressed P-256 point.</summary>
    InvalidKey = 6,

    /// <summary>A PNE with this id is registered (or was, and was removed: PNE ids are never reused), or it is the gateway's own id.</summary>
    DuplicatePne = 7,

    /// <summary>The certificate issuer refused the PNE's certificate signing request.</summary>
    CertificateRefused = 8,
}
