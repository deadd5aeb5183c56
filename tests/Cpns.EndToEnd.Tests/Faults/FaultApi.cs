using System.Net.Http.Headers;
using System.Text.Json;
using Cpns.Transport.Http;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// The REST calls the fault tests need beside <see cref="Cli.Demo.CpnsApi"/>: every group's current epoch in one call,
/// the whole audit log page by page, and raw answers (status, media type, problem detail) for calls made during a fault.
/// </summary>
internal sealed class FaultApi : IDisposable
{
    private readonly HttpClient _http;

    public FaultApi(Uri baseAddress, string apiKey)
    {
        _http = new HttpClient(new ConnectionErrorHandler()) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary><c>GET /groups</c>: group id -> current epoch.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CurrentEpochsAsync(CancellationToken cancellationToken)
    {
        using var json = await GetJsonAsync("/groups", cancellationToken);
        return json.RootElement.EnumerateArray().ToDictionary(g => g.GetProperty("id").GetGuid().ToString("D"), g => g.GetProperty("currentEpoch").GetInt64(), StringComparer.Ordinal);
    }

    /// <summary>Every audit entry, oldest first: (group, action, epoch).</summary>
    public async Task<IReadOnlyList<(string GroupId, string Action, long Epoch)>> AuditAsync(CancellationToken cancellationToken)
    {
        var entries = new List<(string, string, long)>();
        long after = 0;
        while (true)
        {
            using var json = await GetJsonAsync($"/audit?after={after}&limit=1000", cancellationToken);
            var page = json.RootElement.EnumerateArray().ToList();
            foreach (var entry in page)
            {
                after = entry.GetProperty("id").GetInt64();
                if (entry.GetProperty("groupId").ValueKind == JsonValueKind.String && entry.GetProperty("epoch").ValueKind == JsonValueKind.Number)
                {
                    entries.Add((entry.GetProperty("groupId").GetGuid().ToString("D"), entry.GetProperty("action").GetString()!, entry.GetProperty("epoch").GetInt64()));
                }
            }

            if (page.Count < 1000)
            {
                return entries;
            }
        }
    }

    /// <summary>Sends a request and returns the status, the media type and the problem detail (or the body), whatever the status.</summary>
    public async Task<(int Status, string? MediaType, string? Detail)> SendRawAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? detail = text;
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("detail", out var d))
            {
                detail = d.GetString();
            }
        }
        catch (JsonException)
        {
        }

        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, detail);
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonDocument> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        response.EnsureSuccessStatusCode();
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using (stream)
        {
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        }
    }
}
