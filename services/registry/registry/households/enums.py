"""Code lists of the household record (建档立卡 / 贫困户登记表), verbatim from the national form.

Each member's value is a stable ASCII code (what the API, the database and events carry); `label` is the
Chinese wording officials use. Never renumber or rename a code: add a new one and retire the old one.
"""

from __future__ import annotations

from fupin_kit.code_enum import LabelledEnum

# The registry's name for the shared shape (fupin_kit.code_enum).
CodeEnum = LabelledEnum


class IdentificationStandard(CodeEnum):
    NATIONAL = "national", "国家标准"
    PROVINCIAL = "provincial", "省定标准"
    MUNICIPAL = "municipal", "市定标准"


class HouseholdAttribute(CodeEnum):
    GENERAL = "general", "一般贫困户"
    DIBAO_POOR = "dibao_poor", "低保贫困户"
    TEKUN_POOR = "tekun_poor", "特困供养贫困户"
    # Older forms, still present in records registered before the categories were renamed.
    DIBAO = "dibao", "低保户"
    WUBAO = "wubao", "五保户"


class Cause(CodeEnum):
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    LACK_LAND = "lack_land", "缺土地"
    LACK_WATER = "lack_water", "缺水"
    LACK_SKILLS = "lack_skills", "缺技术"
    LACK_LABOUR = "lack_labour", "缺劳力"
    LACK_CAPITAL = "lack_capital", "缺资金"
    POOR_TRANSPORT = "poor_transport", "交通条件落后"
    LOW_MOTIVATION = "low_motivation", "自身发展动力不足"
    OTHER = "other", "其它"


class HouseholdStatus(CodeEnum):
    CANDIDATE = "candidate", "待识别"
    REGISTERED = "registered", "建档立卡贫困户"
    EXITED = "exited", "已脱贫"
    RETURNED = "returned", "返贫"
    MONITORED = "monitored", "监测对象"


class StatusColour(CodeEnum):
    RED = "red", "红色（贫困）"
    GREEN = "green", "绿色（已脱贫）"
    YELLOW = "yellow", "黄色（返贫）"


STATUS_COLOURS: dict[HouseholdStatus, StatusColour] = {
    HouseholdStatus.REGISTERED: StatusColour.RED,
    HouseholdStatus.EXITED: StatusColour.GREEN,
    HouseholdStatus.RETURNED: StatusColour.YELLOW,
}


class HousingStructure(CodeEnum):
    REINFORCED_CONCRETE = "reinforced_concrete", "钢混"
    BRICK_CONCRETE = "brick_concrete", "砖混"
    BRICK_WOOD = "brick_wood", "砖木"
    EARTH_WOOD = "earth_wood", "土木"
    WOOD = "wood", "木质"
    STONE = "stone", "石木"
    SIMPLE = "simple", "简易房"
    OTHER = "other", "其他"


class HousingSafetyGrade(CodeEnum):
    A = "A", "A级（安全）"
    B = "B", "B级（基本安全）"
    C = "C", "C级（局部危房）"
    D = "D", "D级（整栋危房）"


class Fuel(CodeEnum):
    FIREWOOD = "firewood", "柴草"
    COAL = "coal", "煤炭"
    GAS = "gas", "液化气/天然气"
    ELECTRICITY = "electricity", "电"
    BIOGAS = "biogas", "沼气"
    OTHER = "other", "其他"


class DrinkingWater(CodeEnum):
    SAFE = "safe", "饮水安全"
    DIFFICULT = "difficult", "饮水困难"


class Sex(CodeEnum):
    MALE = "male", "男"
    FEMALE = "female", "女"


class IdKind(CodeEnum):
    RESIDENT_ID = "resident_id", "居民身份证"
    DISABILITY_CERTIFICATE = "disability_certificate", "残疾人证"


class Relation(CodeEnum):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "之子"
    DAUGHTER = "daughter", "之女"
    DAUGHTER_IN_LAW = "daughter_in_law", "之儿媳"
    SON_IN_LAW = "son_in_law", "之女婿"
    GRANDSON = "grandson", "之孙子"
    GRANDDAUGHTER = "granddaughter", "之孙女"
    DAUGHTERS_SON = "daughters_son", "之外孙子"
    DAUGHTERS_DAUGHTER = "daughters_daughter", "之外孙女"
    FATHER = "father", "之父"
    MOTHER = "mother", "之母"
    FATHER_IN_LAW = "father_in_law", "之岳父/之公公"
    MOTHER_IN_LAW = "mother_in_law", "之岳母/之婆婆"
    GRANDFATHER = "grandfather", "之祖父"
    GRANDMOTHER = "grandmother", "之祖母"
    SIBLING = "sibling", "之兄弟姐妹"
    OTHER = "other", "其他"


class Education(CodeEnum):
    PRESCHOOL = "preschool", "学龄前儿童"
    ILLITERATE = "illiterate", "文盲或半文盲"
    PRIMARY = "primary", "小学"
    JUNIOR_HIGH = "junior_high", "初中"
    SENIOR_HIGH = "senior_high", "高中"
    VOCATIONAL = "vocational", "中专/中职"
    COLLEGE = "college", "大专及以上"


class Schooling(CodeEnum):
    NOT_IN_SCHOOL = "not_in_school", "非在校生"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR_HIGH = "junior_high", "初中"
    SENIOR_HIGH = "senior_high", "普通高中"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中职"
    HIGHER_VOCATIONAL = "higher_vocational", "高职"
    UNDERGRADUATE = "undergraduate", "本科及以上"


class Health(CodeEnum):
    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS_ILLNESS = "serious_illness", "患有大病"
    DISABLED = "disabled", "残疾"


class LabourCapacity(CodeEnum):
    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    WEAK = "weak", "弱/半劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


NO_LABOUR: tuple[LabourCapacity, ...] = (LabourCapacity.LOST, LabourCapacity.NONE)


class WorkStatus(CodeEnum):
    NOT_WORKING = "not_working", "未务工"
    LOCAL = "local", "乡镇内务工"
    IN_COUNTY = "in_county", "乡镇外县内务工"
    IN_PROVINCE = "in_province", "县外省内务工"
    OUT_OF_PROVINCE = "out_of_province", "省外务工"


class MemberStatus(CodeEnum):
    ACTIVE = "active", "在户"
    DECEASED = "deceased", "死亡"
    MARRIED_OUT = "married_out", "婚出"
    MOVED_OUT = "moved_out", "迁出"


class MemberChange(CodeEnum):
    REGISTRATION = "registration", "建档登记"
    BIRTH = "birth", "新生儿"
    MARRIAGE_IN = "marriage_in", "婚入"
    MOVE_IN = "move_in", "迁入"
    DEATH = "death", "死亡"
    MARRIAGE_OUT = "marriage_out", "婚出"
    MOVE_OUT = "move_out", "迁出"


JOINING_CHANGES: tuple[MemberChange, ...] = (
    MemberChange.BIRTH,
    MemberChange.MARRIAGE_IN,
    MemberChange.MOVE_IN,
)
LEAVING_CHANGES: dict[MemberChange, MemberStatus] = {
    MemberChange.MARRIAGE_OUT: MemberStatus.MARRIED_OUT,
    MemberChange.MOVE_OUT: MemberStatus.MOVED_OUT,
}


class Ethnicity(CodeEnum):
    """GB/T 3304 codes."""

    HAN = "01", "汉族"
    MONGOL = "02", "蒙古族"
    HUI = "03", "回族"
    TIBETAN = "04", "藏族"
    UYGHUR = "05", "维吾尔族"
    MIAO = "06", "苗族"
    YI = "07", "彝族"
    ZHUANG = "08", "壮族"
    BOUYEI = "09", "布依族"
    KOREAN = "10", "朝鲜族"
    MANCHU = "11", "满族"
    DONG = "12", "侗族"
    YAO = "13", "瑶族"
    BAI = "14", "白族"
    TUJIA = "15", "土家族"
    HANI = "16", "哈尼族"
    KAZAKH = "17", "哈萨克族"
    DAI = "18", "傣族"
    LI = "19", "黎族"
    LISU = "20", "傈僳族"
    VA = "21", "佤族"
    SHE = "22", "畲族"
    GAOSHAN = "23", "高山族"
    LAHU = "24", "拉祜族"
    SUI = "25", "水族"
    DONGXIANG = "26", "东乡族"
    NAXI = "27", "纳西族"
    JINGPO = "28", "景颇族"
    KYRGYZ = "29", "柯尔克孜族"
    TU = "30", "土族"
    DAUR = "31", "达斡尔族"
    MULAO = "32", "仫佬族"
    QIANG = "33", "羌族"
    BLANG = "34", "布朗族"
    SALAR = "35", "撒拉族"
    MAONAN = "36", "毛南族"
    GELAO = "37", "仡佬族"
    XIBE = "38", "锡伯族"
    ACHANG = "39", "阿昌族"
    PUMI = "40", "普米族"
    TAJIK = "41", "塔吉克族"
    NU = "42", "怒族"
    UZBEK = "43", "乌孜别克族"
    RUSSIAN = "44", "俄罗斯族"
    EVENKI = "45", "鄂温克族"
    DEANG = "46", "德昂族"
    BONAN = "47", "保安族"
    YUGUR = "48", "裕固族"
    GIN = "49", "京族"
    TATAR = "50", "塔塔尔族"
    DERUNG = "51", "独龙族"
    OROQEN = "52", "鄂伦春族"
    HEZHEN = "53", "赫哲族"
    MONBA = "54", "门巴族"
    LHOBA = "55", "珞巴族"
    JINO = "56", "基诺族"
    UNIDENTIFIED = "97", "其他未识别民族"
    NATURALISED = "98", "外国血统中国籍人士"


CODE_LISTS: dict[str, type[CodeEnum]] = {
    "identification_standard": IdentificationStandard,
    "household_attribute": HouseholdAttribute,
    "cause": Cause,
    "household_status": HouseholdStatus,
    "status_colour": StatusColour,
    "housing_structure": HousingStructure,
    "housing_safety_grade": HousingSafetyGrade,
    "fuel": Fuel,
    "drinking_water": DrinkingWater,
    "sex": Sex,
    "id_kind": IdKind,
    "relation": Relation,
    "education": Education,
    "schooling": Schooling,
    "health": Health,
    "labour_capacity": LabourCapacity,
    "work_status": WorkStatus,
    "member_status": MemberStatus,
    "member_change": MemberChange,
    "ethnicity": Ethnicity,
}
