using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Cpns.Server;
using Microsoft.Extensions.Logging;

namespace Cpns.EndToEnd.Tests.Support;

/// <summary>
/// A real CPNS Server (in-process <see cref="ServerHost"/>, SQLite, embedded broker on 127.0.0.1 port 0) and real
/// PNs enrolled with tokens from its REST API; the test drives the REST API like an operator.
/// </summary>
internal sealed class EndToEndBed : IAsyncDisposable
{
    private readonly TestDirectory _directory;
    private readonly List<PnNode> _nodes = [];

    private EndToEndBed(TestDirectory directory, ServerHost server, HttpClient api)
    {
        _directory = directory;
        Server = server;
        Api = api;
    }

    public ServerHost Server { get; }

    public HttpClient Api { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<EndToEndBed> StartAsync()
    {
        var directory = new TestDirectory();
        var options = new ServerOptions
        {
            DataDirectory = Path.Combine(directory.Path, "server"),
            MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            BootstrapOutput = TextWriter.Null,
            MqttListen = "127.0.0.1:0",
            DeliveryPollInterval = TimeSpan.FromMilliseconds(50),
            DeliveryRetryDelay = TimeSpan.FromMilliseconds(500),
            DeliveryRetryMaxDelay = TimeSpan.FromSeconds(3),
            ConfigureLogging = logging =>
            {
                logging.ClearProviders();
                if (FileLoggerProvider.Shared is { } shared)
                {
                    logging.SetMinimumLevel(LogLevel.Debug).AddProvider(shared);
                }
            },
        };
        options.HttpUrls.Clear();
        options.HttpUrls.Add("http://127.0.0.1:0");
        var apiKey = await ServerHost.AddApiKeyAsync(options, "e2e operator", ApiKeyScope.Operator, Ct);
        var server = await ServerHost.StartAsync(options, Ct);
        var api = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromSeconds(60) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return new EndToEndBed(directory, server, api);
    }

    /// <summary>A data directory under the bed's temp directory.</summary>
    public string NewDirectory(string name) => Path.Combine(_directory.Path, name);

    /// <summary>Issues a one-time enrollment token for the gateway id.</summary>
    public async Task<string> TokenAsync(string gatewayId)
    {
        var response = await Api.PostAsJsonAsync("/gateways/enrollments", new { gatewayId }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
    }

    /// <summary>Issues a token (<c>POST /gateways/enrollments</c>), starts the gateway, which enrolls and connects, and pairs its devices.</summary>
    public async Task<PnNode> GatewayAsync(string gatewayId, params string[] pneIds)
    {
        var token = await TokenAsync(gatewayId);
        var node = await PnNode.StartAsync(gatewayId, Path.Combine(_directory.Path, gatewayId), Server.Addresses[0], token);
        _nodes.Add(node);
        foreach (var pneId in pneIds)
        {
            await node.PairAsync(pneId);
        }

        // The gateway reports each pairing to the server's inventory over MQTT; members can be added once it is there.
        await Eventually.TrueAsync(
            async () =>
            {
                var pnes = await Api.GetFromJsonAsync<JsonElement>($"/gateways/{gatewayId}/pnes", Ct);
                var known = pnes.EnumerateArray().Select(p => p.GetProperty("pneId").GetString()).ToHashSet(StringComparer.Ordinal);
                return pneIds.All(known.Contains);
            },
            $"the server's inventory of {gatewayId} to list {string.Join(", ", pneIds)}");
        return node;
    }

    public async Task<string> CreateGroupAsync(params (PnNode Node, string PneId)[] members)
    {
        var response = await Api.PostAsJsonAsync("/groups", new { name = "e2e" }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        foreach (var (node, pneId) in members)
        {
            var added = await Api.PostAsJsonAsync($"/groups/{id}/members", new { gatewayId = node.GatewayId, pneId }, Ct);
            Assert.Equal(System.Net.HttpStatusCode.Created, added.StatusCode);

            // One join at a time, each delivered and acknowledged before the next: two joins behind one gateway in
            // quick succession can leave the second without the key (the server takes the gateway's answer to the
            // notification naming the first member as the answer to the one naming both; reported to the server's
            // branch).
            await Eventually.TrueAsync(async () => await node.EpochAsync(pneId, id.ToString("D")) >= 1, $"{pneId} to hold the group key after joining");
            await Eventually.TrueAsync(
                async () => (await Api.GetFromJsonAsync<JsonElement>($"/groups/{id}/deliveries", Ct)).EnumerateArray()
                    .Any(d => d.GetProperty("gatewayId").GetString() == node.GatewayId && d.GetProperty("status").GetString() == "Acknowledged"),
                $"the server to record {node.GatewayId}'s answer for {pneId}");
        }

        return id.ToString("D");
    }

    public async Task<long> CurrentEpochAsync(string groupId) =>
        (await Api.GetFromJsonAsync<JsonElement>($"/groups/{groupId}", Ct)).GetProperty("currentEpoch").GetInt64();

    public Task<long> RemoveMemberAsync(string groupId, PnNode node, string pneId) =>
        EpochOfAsync(Api.DeleteAsync($"/groups/{groupId}/members/{node.GatewayId}:{pneId}", Ct));

    public Task<long> CompromiseAsync(string groupId, PnNode node, string pneId) =>
        EpochOfAsync(Api.PostAsync($"/groups/{groupId}/members/{node.GatewayId}:{pneId}/compromise", null, Ct));

    public Task<long> RotateAsync(string groupId) =>
        EpochOfAsync(Api.PostAsync($"/groups/{groupId}/rotate", null, Ct));

    public Task<long> DeleteGroupAsync(string groupId) =>
        EpochOfAsync(Api.DeleteAsync($"/groups/{groupId}", Ct));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        Api.Dispose();
        await Server.DisposeAsync();
        _directory.Dispose();
    }

    private static async Task<long> EpochOfAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("epoch").GetInt64();
    }
}
