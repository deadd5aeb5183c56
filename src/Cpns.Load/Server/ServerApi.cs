using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Transport.Http;

namespace Cpns.Load.Server;

/// <summary>The server's REST API as an operator drives it: enrollment tokens, inventory, groups, members, rotations, deliveries.</summary>
internal sealed class ServerApi : IDisposable
{
    private readonly HttpClient _http;

    public ServerApi(Uri baseAddress, string apiKey)
    {
        _http = new HttpClient(new ConnectionErrorHandler(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }))
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(120),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>A one-time enrollment token for the gateway (<c>POST /gateways/enrollments</c>).</summary>
    public async Task<string> EnrollmentTokenAsync(string gatewayId, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("gateways/enrollments", new { gatewayId }, cancellationToken).ConfigureAwait(false);
        var body = await ReadAsync(response, HttpStatusCode.Created, cancellationToken).ConfigureAwait(false);
        return body.GetProperty("token").GetString()!;
    }

    /// <summary>The PNE ids the server's inventory lists for the gateway.</summary>
    public async Task<HashSet<string>> InventoryAsync(string gatewayId, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri($"gateways/{gatewayId}/pnes", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        var body = await ReadAsync(response, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
        return body.EnumerateArray().Select(p => p.GetProperty("pneId").GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<string> CreateGroupAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("groups", new { name }, cancellationToken).ConfigureAwait(false);
        var body = await ReadAsync(response, HttpStatusCode.Created, cancellationToken).ConfigureAwait(false);
        return body.GetProperty("id").GetGuid().ToString("D");
    }

    public async Task AddMemberAsync(string groupId, string gatewayId, string pneId, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync($"groups/{groupId}/members", new { gatewayId, pneId }, cancellationToken).ConfigureAwait(false);
        await ReadAsync(response, HttpStatusCode.Created, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /groups/{id}/rotate</c>: the new epoch, committed when the call returns.</summary>
    public async Task<ulong> RotateAsync(string groupId, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri($"groups/{groupId}/rotate", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        var body = await ReadAsync(response, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
        return body.GetProperty("epoch").GetUInt64();
    }

    /// <summary>Every delivery row of the group (<c>GET /groups/{id}/deliveries</c>).</summary>
    public async Task<IReadOnlyList<ServerDelivery>> DeliveriesAsync(string groupId, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri($"groups/{groupId}/deliveries", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        var body = await ReadAsync(response, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
        var list = new List<ServerDelivery>();
        foreach (var d in body.EnumerateArray())
        {
            var pnes = d.GetProperty("pnes").EnumerateArray()
                .Select(p => new ServerPneReport(p.GetProperty("pneId").GetString()!, p.GetProperty("status").GetString()!, Time(p.GetProperty("reportedAt"))))
                .ToList();
            list.Add(new ServerDelivery(
                d.GetProperty("epoch").GetUInt64(),
                d.GetProperty("gatewayId").GetString()!,
                d.GetProperty("kind").GetString()!,
                d.GetProperty("status").GetString()!,
                Time(d.GetProperty("createdAt")),
                d.TryGetProperty("acknowledgedAt", out var ack) && ack.ValueKind == JsonValueKind.String ? Time(ack) : null,
                pnes));
        }

        return list;
    }

    public void Dispose() => _http.Dispose();

    // The server keeps UTC; SQLite hands it back without a zone designator.
    private static DateTime Time(JsonElement value) =>
        DateTime.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != expected)
        {
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}: {(int)response.StatusCode} {text}", null, response.StatusCode);
        }

        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return document.RootElement.Clone();
    }
}
