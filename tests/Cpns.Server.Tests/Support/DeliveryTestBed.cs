using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Support;

/// <summary>A server (SQLite or PostgreSQL) on the embedded broker or on Mosquitto, and helpers to enroll test gateways.</summary>
internal sealed class DeliveryTestBed : IAsyncDisposable
{
    private readonly List<TestGateway> _gateways = [];

    private DeliveryTestBed(TestServer server, Mosquitto? mosquitto)
    {
        Server = server;
        Mosquitto = mosquitto;
        Anonymous = server.CreateClient(null);
    }

    public TestServer Server { get; }

    public Mosquitto? Mosquitto { get; }

    public HttpClient Anonymous { get; }

    public static async Task<DeliveryTestBed> StartAsync(
        BrokerKind broker,
        Action<ServerOptions>? configure = null,
        string? database = null,
        string? masterKey = null,
        Mosquitto? sharedMosquitto = null,
        string? operatorKey = null,
        int? mosquittoMaxKeepAlive = null)
    {
        masterKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var dataDirectory = TestServer.NewPath();
        Mosquitto? mosquitto = null;
        if (broker == BrokerKind.Mosquitto && sharedMosquitto is null)
        {
            mosquitto = await Mosquitto.StartAsync(new ServerOptions { DataDirectory = dataDirectory, Database = database, MasterKey = masterKey }, mosquittoMaxKeepAlive);
        }

        var endpoint = (sharedMosquitto ?? mosquitto)?.Endpoint;
        try
        {
            var server = await TestServer.StartAsync(database, dataDirectory, masterKey, options =>
            {
                options.DeliveryRetryDelay = TimeSpan.FromMilliseconds(400);
                options.DeliveryRetryMaxDelay = TimeSpan.FromSeconds(3);
                if (endpoint is not null)
                {
                    options.Broker = endpoint.ToString();
                    options.MqttClientId = "cpns-server." + Guid.NewGuid().ToString("N")[..8];
                }

                configure?.Invoke(options);
            }, operatorKey);
            return new DeliveryTestBed(server, mosquitto);
        }
        catch
        {
            if (mosquitto is not null)
            {
                await mosquitto.DisposeAsync();
            }

            throw;
        }
    }

    public async Task<string> CreateTokenAsync(string gatewayId, int? ttlSeconds = null)
    {
        var response = await Server.Client.PostAsJsonAsync("/gateways/enrollments", new { gatewayId, ttlSeconds }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("token").GetString()!;
    }

    /// <summary>Enrolls a gateway, connects it and reports its PN's PNEs over MQTT.</summary>
    public async Task<TestGateway> GatewayAsync(string gatewayId, params string[] pnes)
    {
        var gateway = await TestGateway.EnrollAsync(Anonymous, await CreateTokenAsync(gatewayId));
        _gateways.Add(gateway);
        await gateway.ConnectAsync();
        if (pnes.Length > 0)
        {
            var ack = await gateway.ReportInventoryAsync("pn-" + gatewayId, pnes);
            Assert.Equal(Cpns.Protocol.V1.Status.Ok, ack.Status);
        }

        return gateway;
    }

    public async Task<Guid> CreateGroupAsync(params (string Gateway, string Pne)[] members)
    {
        var id = (await Server.CreateGroupAsync("delivery test")).GetProperty("id").GetGuid();
        foreach (var (gw, pne) in members)
        {
            await Server.AddMemberAsync(id, gw, pne);
        }

        return id;
    }

    public async Task<long> RotateAsync(Guid groupId)
    {
        var response = await Server.Client.PostAsync($"/groups/{groupId}/rotate", null, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("epoch").GetInt64();
    }

    public async Task<JsonElement[]> DeliveriesAsync(Guid groupId) =>
        [.. (await Server.Client.GetFromJsonAsync<JsonElement>($"/groups/{groupId}/deliveries", TestContext.Current.CancellationToken)).EnumerateArray()];

    public async Task<JsonElement> DeliveryAsync(Guid groupId, long epoch, string gatewayId) =>
        (await DeliveriesAsync(groupId)).Single(d => d.GetProperty("epoch").GetInt64() == epoch && d.GetProperty("gatewayId").GetString() == gatewayId);

    public async Task WaitForStatusAsync(Guid groupId, long epoch, string gatewayId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var row = await DeliveryAsync(groupId, epoch, gatewayId);
            if (row.GetProperty("status").GetString() == status)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Delivery of epoch {epoch} to {gatewayId} is {row} after 15 s, not {status}.");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public bool Logged(string text) => Server.Logs.Lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        await Server.DisposeAsync();
        if (Mosquitto is not null)
        {
            await Mosquitto.DisposeAsync();
        }
    }
}
