using Cpns.Crypto;

namespace Cpns.Gateway.Pairing;

/// <summary>One pending pairing: the gateway's half of the exchange, its expiry and its attempts.</summary>
internal sealed class PairingSession(GatewayPairing pairing, DateTimeOffset expiresAt, string? alias) : IDisposable
{
    public GatewayPairing Pairing { get; } = pairing;

    public int Number => Pairing.Session;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public string? Alias { get; } = alias;

    public int WrongAttempts { get; set; }

    public PairingSessionState State { get; set; }

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;

    public void Dispose() => Pairing.Dispose();
}
