using Housing.Access;

namespace Housing.Tests.Access;

/// <summary>The role and area rules of API.md, in the one place every service asks.</summary>
public sealed class CallerTests
{
    static readonly Caller Admin = new(1, "a", Role.Admin, [], []);
    static readonly Caller PhraeStaff = new(2, "s", Role.ProvincialStaff, ["54"], []);
    static readonly Caller NaiWiangTreasurer = new(3, "t", Role.Treasurer, [], ["540101"]);
    static readonly Caller EverywhereViewer = new(4, "v", Role.Viewer, [], []);
    static readonly Caller PhraeViewer = new(5, "pv", Role.Viewer, ["54"], []);

    [Fact]
    public void Reading_follows_the_area()
    {
        Assert.True(Admin.CanRead("810115"));
        Assert.True(PhraeStaff.CanRead("540102"));
        Assert.False(PhraeStaff.CanRead("810115"));
        Assert.True(NaiWiangTreasurer.CanRead("540101"));
        Assert.False(NaiWiangTreasurer.CanRead("540102"));
        Assert.True(EverywhereViewer.CanRead("810115"));
        Assert.True(PhraeViewer.CanRead("540102"));
        Assert.False(PhraeViewer.CanRead("810115"));
    }

    [Fact]
    public void Managing_is_for_admins_and_the_provinces_own_staff()
    {
        Assert.True(Admin.CanManage("19"));
        Assert.True(PhraeStaff.CanManage("54"));
        Assert.True(PhraeStaff.CanManage("540101"));
        Assert.False(PhraeStaff.CanManage("19"));
        Assert.False(NaiWiangTreasurer.CanManage("540101"));
        Assert.False(EverywhereViewer.CanManage("540101"));
    }

    [Fact]
    public void Money_is_recorded_by_admins_and_the_subdistricts_own_treasurers_only()
    {
        Assert.True(Admin.CanRecordMoney("540101"));
        Assert.True(NaiWiangTreasurer.CanRecordMoney("540101"));
        Assert.False(NaiWiangTreasurer.CanRecordMoney("540102"));
        Assert.False(PhraeStaff.CanRecordMoney("540101"));
        Assert.False(EverywhereViewer.CanRecordMoney("540101"));
        Assert.True(PhraeStaff.CanRecordMilestone("540101"));
        Assert.True(NaiWiangTreasurer.CanRecordMilestone("540101"));
        Assert.False(PhraeViewer.CanRecordMilestone("540101"));
    }

    [Fact]
    public void Read_filters_say_null_for_everywhere()
    {
        Assert.Null(Admin.ReadableProvinces);
        Assert.Null(EverywhereViewer.ReadableProvinces);
        Assert.Equal(["54"], PhraeViewer.ReadableProvinces!);
        Assert.Equal(["54"], NaiWiangTreasurer.ReadableProvinces!);
        Assert.Equal(["540101"], NaiWiangTreasurer.ReadableSubdistricts!);
        Assert.Null(PhraeStaff.ReadableSubdistricts);
        Assert.True(NaiWiangTreasurer.CanReadProvince("54"));
        Assert.False(NaiWiangTreasurer.CanReadProvince("19"));
    }

    [Fact]
    public void A_refusal_is_403_where_the_caller_can_see_the_thing_and_404_where_it_cannot()
    {
        Assert.Throws<Forbidden>(() => PhraeViewer.EnsureAllowed(PhraeViewer.CanManage("540101"), "540101", () => new NotFound("x")));
        Assert.Throws<NotFound>(() => PhraeViewer.EnsureAllowed(PhraeViewer.CanManage("810115"), "810115", () => new NotFound("x")));
        PhraeStaff.EnsureAllowed(PhraeStaff.CanManage("540101"), "540101", () => new NotFound("x"));
    }
}
