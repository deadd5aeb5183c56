namespace Cpns.Gateway.Storage;

/// <summary>The key material set (flow 6.1.2.2 step 3) and the leaf allocator (one row, id 1).</summary>
internal sealed class KeyMaterialEntity
{
    public int Id { get; set; }

    public int Height { get; set; }

    /// <summary><see cref="Cpns.Crypto.KeyMaterialSet.Export"/> sealed under the master key.</summary>
    public required byte[] Sealed { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The next leaf never given to any PNE. Only ever grows: a leaf is never reused.</summary>
    public int NextFreeLeaf { get; set; }
}
