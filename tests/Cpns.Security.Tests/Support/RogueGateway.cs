using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cpns.Transport;

namespace Cpns.Security.Tests.Support;

/// <summary>
/// A gateway whose owner turned attacker: enrolled for real (its own token, CSR, certificate of the server CA and
/// per-gateway key) and then speaking raw MQTT with its own, valid credentials.
/// </summary>
internal sealed class RogueGateway : IDisposable
{
    private RogueGateway(string id, X509Certificate2 certificate, X509Certificate2 ca, MqttBrokerEndpoint broker)
    {
        Id = id;
        Certificate = certificate;
        Ca = ca;
        Broker = broker;
    }

    public string Id { get; }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2 Ca { get; }

    public MqttBrokerEndpoint Broker { get; }

    public static async Task<RogueGateway> EnrollAsync(SecurityBed bed, string gatewayId)
    {
        var token = await bed.TokenAsync(gatewayId);
        using var anonymous = new HttpClient { BaseAddress = bed.Server.Addresses[0] };
        using var keyPair = ClientKeyPair.Create();
        var response = await anonymous.PostAsJsonAsync("/gateways/enroll", new { token, csr = Convert.ToBase64String(keyPair.CreateSigningRequest(gatewayId)) }, SecurityBed.Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(SecurityBed.Ct);
        using var issued = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(body.GetProperty("certificate").GetString()!));
        return new RogueGateway(
            gatewayId,
            keyPair.AttachCertificate(issued),
            X509CertificateLoader.LoadCertificate(Convert.FromBase64String(body.GetProperty("caCertificate").GetString()!)),
            MqttBrokerEndpoint.Parse(body.GetProperty("mqtt").GetString()!));
    }

    /// <summary>A connection with this gateway's certificate and the given client id (its own by default).</summary>
    public MqttConnection Connect(string? clientId = null) =>
        new(new MqttConnectionOptions
        {
            Broker = Broker,
            ClientId = clientId ?? Id,
            ClientCertificate = Certificate,
            CaCertificate = Ca,
            PersistentSession = false,
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });

    public void Dispose()
    {
        Certificate.Dispose();
        Ca.Dispose();
    }
}
