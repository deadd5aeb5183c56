namespace Cpns.Server.Enrollment;

/// <summary>
/// The result of an enrollment: the gateway's certificate and CA (DER) and its per-gateway key. <see cref="GatewayKey"/>
/// is the only plaintext copy outside the database's sealed one; the caller wipes it once sent.
/// </summary>
internal sealed record GatewayEnrolled(string GatewayId, byte[] Certificate, byte[] CaCertificate, byte[] GatewayKey, bool Reenrolled);
