namespace Cpns.Gateway.ServerLink;

/// <summary>The body of the server's answer to <c>POST /gateways/enroll</c> (base64 DER certificates, base64 key).</summary>
internal sealed record EnrollmentResponse(string? GatewayId, string? Certificate, string? CaCertificate, string? GatewayKey, string? Mqtt);
