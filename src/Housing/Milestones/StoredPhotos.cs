using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Milestones;

/// <summary>The bytes of a photo kept in the database (a milestone's, a community work's, a payment's receipt), read by one statement that
/// carries the caller's area (<see cref="Areas.Readable"/>): an outsider's request reads no photo and gets the 404 of one
/// that does not exist, so whether it exists does not leak.</summary>
public static class StoredPhotos
{
    /// <param name="select">A <c>SELECT content_type, content ... WHERE ... = @id</c> whose FROM joins the photo to its
    /// project as <c>p</c>; the area filter is added to its WHERE.</param>
    public static async Task<Photo> ReadAsync(NpgsqlDataSource db, Caller caller, string select, long id, Func<NotFound> notFound, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<(string ContentType, byte[] Content)?>(new CommandDefinition(
            $"{select} AND {Areas.Readable("p.subdistrict_code")}", Areas.ReadArgs(caller, new { id }), cancellationToken: ct));
        // Its type from its bytes: a thumbnail made by the phone's canvas is a JPEG whatever the original was.
        return row is { } r ? new Photo(ImageCheck.Read(r.Content)?.ContentType ?? r.ContentType, r.Content) : throw notFound();
    }
}
