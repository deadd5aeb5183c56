using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cpns.Server.Keys;
using Cpns.Server.Storage;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Storage;

public sealed class DatabaseScanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SqliteFile_AfterCreatesAndRotations_HoldsNoGroupKeyInClear()
    {
        var keys = new List<byte[]>();
        string dataDirectory;
        await using (var server = await TestServer.StartAsync(dataDirectory: TestServer.NewDirectory()))
        {
            dataDirectory = server.Options.DataDirectory;
            var service = server.Service<GroupKeyService>();
            for (var g = 0; g < 3; g++)
            {
                var id = (await server.CreateGroupAsync("scan-marker-" + g)).GetProperty("id").GetGuid();
                for (var r = 0; r < 3; r++)
                {
                    await server.Client.PostAsync($"/groups/{id}/rotate", null, Ct);
                }

                var current = (await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}", Ct)).GetProperty("currentEpoch").GetInt64();
                for (long epoch = 1; epoch <= current; epoch++)
                {
                    var key = new byte[GroupKeyService.KeySize];
                    Assert.True(await service.TryReadGroupKeyAsync(id, epoch, key, Ct));
                    keys.Add(key);
                }
            }
        }

        // Scan the database and its WAL (the host is stopped, so everything is on disk).
        var bytes = ReadAll(Path.Combine(dataDirectory, CpnsDatabase.SqliteFileName))
            .Concat(ReadAll(Path.Combine(dataDirectory, CpnsDatabase.SqliteFileName + "-wal"))).ToArray();

        Assert.Equal(12, keys.Count);
        Assert.Equal(12, keys.Select(Convert.ToHexString).Distinct().Count());
        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("scan-marker-1")) >= 0, "the scan must see the file's contents");
        foreach (var key in keys)
        {
            Assert.True(bytes.AsSpan().IndexOf(key) < 0, "a GK appears in clear in the database file");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToHexString(key))) < 0);
            Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToBase64String(key))) < 0);
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
