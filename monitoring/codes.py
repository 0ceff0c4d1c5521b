"""Code lists of the national monitoring system (domain.md §10) and the eight exclusions (§2), as data.

Forms, documents and department comparisons read their choices from here (or from the admin-edited copy
seeded from here), so a label is never typed twice and stored values stay ASCII codes.
"""

from __future__ import annotations

from collections.abc import Iterable

CODE_LISTS: dict[str, list[tuple[str, str]]] = {
    "monitoring_type": [
        ("unstable", "脱贫不稳定户"),
        ("marginal", "边缘易致贫户"),
        ("sudden", "突发严重困难户"),
    ],
    "household_type": [
        ("poverty_alleviated", "脱贫户"),
        ("ordinary", "一般农(牧)户"),
    ],
    "risk_type": [
        ("illness", "因病"),
        ("disability", "因残"),
        ("schooling", "因学"),
        ("disaster", "因自然灾害"),
        ("accident", "因意外事故"),
        ("industry_failure", "因产业项目失败"),
        ("unstable_employment", "因务工就业不稳"),
        ("labour_shortage", "缺劳动力"),
        ("housing", "因安全住房"),
        ("water", "因安全饮水"),
        ("other", "其他"),
    ],
    "disaster_kind": [
        ("flood", "洪涝"),
        ("geological", "地质"),
        ("drought", "旱灾"),
        ("biological", "生物"),
        ("meteorological", "气象"),
        ("earthquake", "地震"),
        ("other", "其他"),
    ],
    "assistance_measure": [
        ("industry", "产业帮扶"),
        ("employment", "就业帮扶"),
        ("finance", "金融帮扶"),
        ("public_welfare_post", "公益岗位帮扶"),
        ("health", "健康帮扶"),
        ("compulsory_education", "义务教育保障"),
        ("other_education", "其他教育帮扶"),
        ("housing_security", "住房安全保障"),
        ("water_security", "饮水安全保障"),
        ("social_security", "综合保障"),
        ("social_assistance", "社会帮扶"),
        ("relocation", "搬迁"),
        ("living_conditions", "生产生活条件改善"),
        ("infrastructure", "基础设施建设"),
    ],
    "major_event_kind": [
        ("natural_disaster", "自然灾害"),
        ("epidemic", "疫情"),
        ("price_collapse", "农产品价格暴跌"),
        ("mass_unemployment", "大规模失业"),
        ("failed_project", "产业项目失败"),
        ("public_opinion", "舆情"),
        ("other", "其他"),
    ],
    "elimination_method": [
        ("assisted", "帮扶消除"),
        ("natural", "自然消除"),
    ],
    "labour_skill": [
        ("ordinary", "普通劳动力"),
        ("skilled", "技能劳动力"),
        ("weak", "弱劳动力或半劳动力"),
        ("lost", "丧失劳动力"),
        ("none", "无劳动力"),
    ],
    "education": [
        ("illiterate", "文盲或半文盲"),
        ("primary", "小学"),
        ("junior_high", "初中"),
        ("senior_high", "高中"),
        ("junior_college", "大专"),
        ("bachelor_or_above", "本科及以上"),
    ],
    "health": [
        ("healthy", "健康"),
        ("chronic", "长期慢性病"),
        ("serious_illness", "患有大病"),
        ("disabled", "残疾"),
    ],
    "schooling": [
        ("preschool_child", "学龄前儿童"),
        ("preschool_education", "学前教育"),
        ("primary", "小学"),
        ("grade_7", "七年级"),
        ("grade_8", "八年级"),
        ("grade_9", "九年级"),
        ("senior_high_1", "普通高中一年级"),
        ("senior_high_2", "普通高中二年级"),
        ("senior_high_3", "普通高中三年级"),
        ("vocational_secondary_1", "中职一年级"),
        ("vocational_secondary_2", "中职二年级"),
        ("vocational_secondary_3", "中职三年级"),
        ("vocational_college_1", "高职高专一年级"),
        ("vocational_college_2", "高职高专二年级"),
        ("vocational_college_3", "高职高专三年级"),
        ("undergraduate", "本科"),
        ("postgraduate", "硕士研究生及以上"),
    ],
    "relation": [
        ("head", "户主"),
        ("spouse", "配偶"),
        ("son", "之子"),
        ("daughter", "之女"),
        ("daughter_in_law", "之儿媳"),
        ("son_in_law", "之女婿"),
        ("grandson", "之孙子"),
        ("granddaughter", "之孙女"),
        ("daughters_son", "之外孙子"),
        ("daughters_daughter", "之外孙女"),
        ("great_grandson", "之曾孙子"),
        ("great_granddaughter", "之曾孙女"),
        ("father", "之父"),
        ("mother", "之母"),
        ("wifes_father", "之岳父"),
        ("wifes_mother", "之岳母"),
        ("husbands_father", "之公公"),
        ("husbands_mother", "之婆婆"),
        ("paternal_grandfather", "之祖父"),
        ("paternal_grandmother", "之祖母"),
        ("maternal_grandfather", "之外祖父"),
        ("maternal_grandmother", "之外祖母"),
        ("sibling", "兄弟姐妹"),
        ("other", "其他"),
    ],
    "sex": [
        ("male", "男"),
        ("female", "女"),
    ],
    # GB 3304-1991 order and two-digit codes.
    "ethnicity": [
        ("01", "汉族"), ("02", "蒙古族"), ("03", "回族"), ("04", "藏族"), ("05", "维吾尔族"),
        ("06", "苗族"), ("07", "彝族"), ("08", "壮族"), ("09", "布依族"), ("10", "朝鲜族"),
        ("11", "满族"), ("12", "侗族"), ("13", "瑶族"), ("14", "白族"), ("15", "土家族"),
        ("16", "哈尼族"), ("17", "哈萨克族"), ("18", "傣族"), ("19", "黎族"), ("20", "傈僳族"),
        ("21", "佤族"), ("22", "畲族"), ("23", "高山族"), ("24", "拉祜族"), ("25", "水族"),
        ("26", "东乡族"), ("27", "纳西族"), ("28", "景颇族"), ("29", "柯尔克孜族"), ("30", "土族"),
        ("31", "达斡尔族"), ("32", "仫佬族"), ("33", "羌族"), ("34", "布朗族"), ("35", "撒拉族"),
        ("36", "毛南族"), ("37", "仡佬族"), ("38", "锡伯族"), ("39", "阿昌族"), ("40", "普米族"),
        ("41", "塔吉克族"), ("42", "怒族"), ("43", "乌孜别克族"), ("44", "俄罗斯族"), ("45", "鄂温克族"),
        ("46", "德昂族"), ("47", "保安族"), ("48", "裕固族"), ("49", "京族"), ("50", "塔塔尔族"),
        ("51", "独龙族"), ("52", "鄂伦春族"), ("53", "赫哲族"), ("54", "门巴族"), ("55", "珞巴族"),
        ("56", "基诺族"),
    ],
    "insurance": [
        ("resident_medical", "城乡居民基本医疗保险"),
        ("employee_medical", "职工基本医疗保险"),
        ("serious_illness", "城乡居民大病保险"),
        ("resident_pension", "城乡居民基本养老保险"),
        ("employee_pension", "职工基本养老保险"),
        ("commercial", "商业补充保险"),
        ("none", "未参保"),
    ],
    "exclusion": [
        ("E1", "公职人员或国企职工（含分户赡养）"),
        ("E2", "种养大户或大额存款"),
        ("E3", "拥有车辆或大型农机"),
        ("E4", "城镇购房（唯一住房除外）"),
        ("E5", "注册公司或经营实体"),
        ("E6", "大额拆迁征地补偿"),
        ("E7", "子女就读高收费学校或出国留学"),
        ("E8", "在职村干部领取固定补贴"),
    ],
    "channel": [
        ("self_declared", "农牧户自主申报"),
        ("cadre_screening", "干部排查"),
        ("department_warning", "部门筛查预警"),
        ("social_supervision", "社会监督"),
    ],
    "application_way": [
        ("in_person", "村委会现场申请"),
        ("hotline_12317", "12317热线"),
        ("app", "手机APP"),
        ("proxy", "委托他人代为申报"),
    ],
    "meeting_form": [
        ("representative_meeting", "村民代表大会"),
        ("extended_two_committees", "村两委扩大会议"),
    ],
    "department": [
        ("hrss", "人社"),
        ("police", "公安"),
        ("finance", "财政"),
        ("education", "教育"),
        ("market", "市场监管"),
        ("housing", "住建"),
        ("pboc", "人民银行"),
        ("civil", "民政"),
        ("medical_insurance", "医保"),
        ("health", "卫健"),
        ("water", "水利"),
        ("agriculture", "农牧"),
    ],
}

# The sub-types of each assistance measure category, one code list per category (``measure_subtype_<category>``).
MEASURE_SUBTYPES: dict[str, list[tuple[str, str]]] = {
    "industry": [("household_industry_subsidy", "到户产业补贴"), ("specialty_industry", "特色产业项目"),
                 ("industry_training", "产业技术培训"), ("market_matching", "产销对接"),
                 ("consumption_aid", "消费帮扶"), ("other", "其他")],
    "employment": [("migrant_work_subsidy", "外出务工补贴"), ("public_welfare_post", "公益岗位"),
                   ("work_relief", "以工代赈"), ("skills_training", "技能培训"), ("job_placement", "稳岗就业"),
                   ("other", "其他")],
    "finance": [("micro_credit", "小额信贷贴息"), ("startup_loan", "创业担保贷款"), ("other", "其他")],
    "public_welfare_post": [("rural_public_post", "乡村公益性岗位"), ("ecological_ranger", "生态护林（草）员"),
                            ("other", "其他")],
    "health": [("resident_medical_subsidy", "城乡居民基本医疗保险个人缴费补贴"), ("family_doctor", "家庭医生签约"),
               ("serious_illness_treatment", "大病专项救治"), ("medical_aid", "医疗救助"),
               ("chronic_disease_service", "慢病签约服务"), ("other", "其他")],
    "compulsory_education": [("dropout_control", "控辍保学"), ("two_exemptions_one_subsidy", "两免一补"),
                             ("boarding_subsidy", "寄宿生生活补助"), ("other", "其他")],
    "other_education": [("rain_dew_plan", "雨露计划"), ("student_grant", "国家助学金"),
                        ("student_loan", "生源地信用助学贷款"), ("other", "其他")],
    "housing_security": [("dangerous_house_renovation", "农村危房改造"), ("seismic_retrofit", "农房抗震改造"),
                         ("other", "其他")],
    "water_security": [("supply_repair", "供水设施维修"), ("network_extension", "供水管网延伸"),
                       ("water_quality", "水质提升"), ("other", "其他")],
    "social_security": [("subsistence_allowance", "低保"), ("extreme_poverty_support", "特困供养"),
                        ("disability_subsidy", "残疾人补贴"), ("temporary_assistance", "临时救助"),
                        ("other", "其他")],
    "social_assistance": [("paired_assistance", "结对帮扶"), ("enterprise_assistance", "企业帮扶"),
                          ("volunteer_service", "志愿服务"), ("donation", "社会捐赠"), ("other", "其他")],
    "relocation": [("resettlement", "易地搬迁"), ("follow_up_support", "搬迁后续扶持"), ("other", "其他")],
    "living_conditions": [("production_facilities", "生产设施改善"), ("living_environment", "人居环境改善"),
                          ("other", "其他")],
    "infrastructure": [("roads", "道路建设"), ("power", "电力设施"), ("other", "其他")],
}
CODE_LISTS.update({f"measure_subtype_{category}": entries for category, entries in MEASURE_SUBTYPES.items()})


def subtype_list(category: str) -> str:
    """The code list that holds a category's sub-types."""
    return f"measure_subtype_{category}"


# 牵头部门 of each category (domain.md §5), offered first when a measure is planned; None: the county's
# rural revitalization bureau leads it itself (社会帮扶, 搬迁, 基础设施).
MEASURE_LEAD_DEPARTMENTS: dict[str, str | None] = {
    "industry": "agriculture", "employment": "hrss", "finance": "pboc", "public_welfare_post": "hrss",
    "health": "health", "compulsory_education": "education", "other_education": "education",
    "housing_security": "housing", "water_security": "water", "social_security": "civil",
    "social_assistance": None, "relocation": None, "living_conditions": "agriculture", "infrastructure": None,
}

# 开发式 measures: for households able to work; the others are protective.
DEVELOPMENT_MEASURES = frozenset({"industry", "employment", "finance", "public_welfare_post"})
# 兜底保障: the sub-types (category, sub-type) that keep a household without labour capacity.
SAFETY_NET_SUBTYPES = frozenset({("social_security", "subsistence_allowance"),
                                 ("social_security", "extreme_poverty_support")})
# Labour skills of a member who can work (弱劳动力或半劳动力 too); 丧失劳动力 and 无劳动力 cannot.
ABLE_TO_WORK_SKILLS = frozenset({"ordinary", "skilled", "weak"})

# Lists whose field holds several codes, with the most a field may hold (None: no limit).
MULTI_SELECT: dict[str, int | None] = {"risk_type": 5, "health": None, "insurance": None, "assistance_measure": None}

# Codes that cannot be combined with any other code of the same field.
EXCLUSIVE_CODES: dict[str, frozenset[str]] = {"health": frozenset({"healthy"}), "insurance": frozenset({"none"})}

# The eight exclusions in full (§二(二)4), for joint-review screens and refusal notices.
EXCLUSION_DESCRIPTIONS = {
    "E1": "家庭成员中有机关、事业单位或大型国有企业正式职工，或有赡养能力（或为上述职工）的子女将父母分户",
    "E2": "为种养大户，或有大额存款",
    "E3": "拥有货车、轿车、面包车、越野车、工程车辆或大型农机具",
    "E4": "在县城或城镇购买商品房、商铺或自建房（唯一住房除外）",
    "E5": "家庭成员注册公司，或经营饭店、宾馆、工厂、养殖场等",
    "E6": "获得大额拆迁或征地补偿",
    "E7": "子女在高收费学校、私立学校就读或出国留学",
    "E8": "家庭成员为在职嘎查村党组织书记、村委会主任、妇联主席等领取固定补贴的村干部",
}


def codes(list_key: str) -> list[str]:
    """The codes of one list, in display order; KeyError for an unknown list."""
    return [code for code, _ in CODE_LISTS[list_key]]


def label(list_key: str, code: str) -> str:
    """The Chinese label of one code; KeyError naming the list and code when either is unknown."""
    for candidate, text in CODE_LISTS[list_key]:
        if candidate == code:
            return text
    raise KeyError(f"{list_key}: {code}")


def check_selection(list_key: str, selected: Iterable[str], known: Iterable[str] | None = None) -> str | None:
    """None when ``selected`` is an acceptable value of a multi-select field, else the reason in Chinese.

    ``known``: the codes in force (the administrator's list); the seeded list when not given.
    """
    chosen = list(selected)
    known = set(codes(list_key) if known is None else known)
    unknown = [code for code in chosen if code not in known]
    if unknown:
        return f"无效代码：{'、'.join(unknown)}"
    if len(set(chosen)) != len(chosen):
        return "不能重复选择"
    limit = MULTI_SELECT.get(list_key, 1)
    if limit is not None and len(chosen) > limit:
        return f"最多选择{limit}项"
    exclusive = EXCLUSIVE_CODES.get(list_key, frozenset()) & set(chosen)
    if exclusive and len(chosen) > 1:
        return f"“{label(list_key, next(iter(exclusive)))}”不能与其他选项同时选择"
    return None
