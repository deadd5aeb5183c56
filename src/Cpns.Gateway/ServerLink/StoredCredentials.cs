namespace Cpns.Gateway.ServerLink;

/// <summary>The sealed JSON document of <see cref="ServerCredentials"/>.</summary>
internal sealed record StoredCredentials(string KeyPem, string Password, string Certificate, string CaCertificate, string Mqtt);
