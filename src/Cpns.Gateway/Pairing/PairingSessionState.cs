namespace Cpns.Gateway.Pairing;

/// <summary>The life of a pairing session.</summary>
internal enum PairingSessionState
{
    Pending = 0,
    Used = 1,
    Locked = 2,
}
