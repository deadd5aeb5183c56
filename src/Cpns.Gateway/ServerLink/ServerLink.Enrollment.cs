using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Crypto;
using Cpns.Transport;
using Cpns.Transport.Http;

namespace Cpns.Gateway.ServerLink;

public sealed partial class ServerLink
{
    private async Task<ServerCredentials> EnrollAsync(GatewayStore store, string directory, CancellationToken cancellationToken)
    {
        var server = _options.Server;
        var token = _options.EnrollmentToken;
        if (server is null || string.IsNullOrEmpty(token))
        {
            throw new GatewayStartupException("The gateway is not enrolled with the server yet: give the server address and a one-time enrollment token.");
        }

        // The answer carries the per-gateway key: plain HTTP only where nobody else is on the wire.
        if (server.Scheme != Uri.UriSchemeHttps && !(server.Scheme == Uri.UriSchemeHttp && server.IsLoopback))
        {
            throw new GatewayStartupException($"Enrollment needs https (http only on a loopback address): '{server}'.");
        }

        var gatewayId = store.RequireGatewayId();
        using var keyPair = ClientKeyPair.Create();
        using var http = new HttpClient(new ConnectionErrorHandler(CreateHandler())) { BaseAddress = server, Timeout = _options.EnrollmentTimeout };
        using var response = await PostEnrollmentAsync(http, new { token, csr = Convert.ToBase64String(keyPair.CreateSigningRequest(gatewayId)) }, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The body is a problem document without secrets; the token is never echoed.
            var problem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new GatewayStartupException($"Enrollment refused by the server: {(int)response.StatusCode} {problem}");
        }

        var body = await response.Content.ReadFromJsonAsync<EnrollmentResponse>(cancellationToken).ConfigureAwait(false);
        if (body is not { GatewayId: { } id, Certificate: { } cert, CaCertificate: { } caText, GatewayKey: { } keyText, Mqtt: { } mqttText })
        {
            throw new GatewayStartupException("The server's enrollment answer is incomplete.");
        }

        if (!string.Equals(id, gatewayId, StringComparison.Ordinal))
        {
            throw new GatewayStartupException($"The token enrolls gateway '{id}', but this data directory is gateway '{gatewayId}'.");
        }

        byte[] keyBytes = [];
        try
        {
            using var issued = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(cert));
            var ca = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(caText));
            var certificate = keyPair.AttachCertificate(issued);
            var mqtt = MqttBrokerEndpoint.Parse(mqttText);
            keyBytes = Convert.FromBase64String(keyText);
            using (var gatewayKey = WrappingKey.Import(keyBytes))
            {
                await store.SetGatewayKeyAsync(gatewayKey, cancellationToken).ConfigureAwait(false);
            }

            ServerCredentials.Save(store, directory, keyPair, certificate, ca, mqtt);
            Log.Enrolled(_logger, gatewayId, server.ToString(), mqtt.ToString());
            return new ServerCredentials(certificate, ca, mqtt);
        }
        catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
        {
            throw new GatewayStartupException("The server's enrollment answer does not hold valid certificates or key: " + e.Message);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    // An unreachable or silent server is a start-up error the operator can act on, not a crash with a stack trace.
    private async Task<HttpResponseMessage> PostEnrollmentAsync(HttpClient http, object request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.PostAsJsonAsync("gateways/enroll", request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new GatewayStartupException($"Enrollment could not reach the server at {http.BaseAddress}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GatewayStartupException($"Enrollment: the server at {http.BaseAddress} did not answer within {_options.EnrollmentTimeout.TotalSeconds:F0} s.", e);
        }
    }

    private SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler();
        if (_options.ServerCaPath is { } caPath)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // Trust exactly the given CA for the server's HTTPS certificate (host name still checked).
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return chain.Build(leaf);
                },
            };
        }

        return handler;
    }
}
