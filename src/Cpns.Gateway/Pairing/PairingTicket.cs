namespace Cpns.Gateway.Pairing;

/// <summary>
/// A started pairing session, for <c>cpns gateway pair</c> to show. <see cref="Code"/> is secret: show
/// it to the user, never log it (<see cref="ToString"/> leaves it out).
/// </summary>
/// <param name="Code">The code to enter on the PNE, "SSRR-RRRR-RRCC-CCCC".</param>
/// <param name="Session">The public session number, 0 to 99.</param>
/// <param name="PairingId">The public 16-byte pairing id (the topic <c>cpns/v1/pn/{pnId}/pairing/{pairingId}</c>).</param>
/// <param name="ExpiresAt">When the code stops working.</param>
/// <param name="Alias">The alias the PNE will be registered under, if given.</param>
public sealed record PairingTicket(string Code, int Session, ReadOnlyMemory<byte> PairingId, DateTimeOffset ExpiresAt, string? Alias)
{
    /// <inheritdoc/>
    public override string ToString() => $"PairingTicket(session={Session}, expires={ExpiresAt:O}, alias={Alias})";
}
