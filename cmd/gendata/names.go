package main

// style is the kind of housing a compound holds; it sets how many buildings
// it has, their footprints and their floors.
type style int

// The housing styles of the community.
const (
	staffHousing style = iota // 家属院: older work-unit housing, 3–6 floors
	estate                    // 小区: ordinary estates, 5–7 floors
	newEstate                 // 苑/花园: newer estates with a row of towers
	lowRise                   // shop-houses and resettlement rows, 2–4 floors
)

// compoundName is an invented but plausible compound name and its style.
type compoundName struct {
	zh, en string
	style  style
}

// compoundNames lists the 33 compounds' names, in the order the compounds
// are numbered (grid by grid from the north-west).
func compoundNames() []compoundName {
	return []compoundName{
		{"岳庙新村", "Yuemiao New Village", estate},
		{"双泉小区", "Shuangquan Compound", estate},
		{"文化馆家属院", "Cultural Centre Staff Housing", staffHousing},
		{"书院小区", "Shuyuan Compound", estate},
		{"华岳小区", "Huayue Compound", estate},
		{"税务所家属院", "Tax Office Staff Housing", staffHousing},
		{"灏灵苑", "Haoling Court", newEstate},
		{"万寿小区", "Wanshou Compound", estate},
		{"金天花园", "Jintian Garden", newEstate},
		{"岳庙街商住小区", "Yuemiao Street Shop-House Compound", lowRise},
		{"东关小区", "Dongguan Compound", estate},
		{"邮电家属院", "Post and Telecom Staff Housing", staffHousing},
		{"西岳花园", "Xiyue Garden", newEstate},
		{"槐树小区", "Huaishu Compound", estate},
		{"莲花苑", "Lianhua Court", newEstate},
		{"供电所家属院", "Power Supply Station Staff Housing", staffHousing},
		{"太华苑", "Taihua Court", newEstate},
		{"粮站家属院", "Grain Depot Staff Housing", staffHousing},
		{"玉泉小区", "Yuquan Compound", estate},
		{"西岳人家", "Xiyue Residences", estate},
		{"教师公寓", "Teachers' Apartments", staffHousing},
		{"锦华苑", "Jinhua Court", newEstate},
		{"医院家属院", "Hospital Staff Housing", staffHousing},
		{"岳西小区", "Yuexi Compound", estate},
		{"南寨安置小区", "Nanzhai Resettlement Compound", lowRise},
		{"农行家属院", "Agricultural Bank Staff Housing", staffHousing},
		{"翠屏小区", "Cuiping Compound", estate},
		{"华山名苑", "Huashan Mingyuan", newEstate},
		{"泉香苑", "Quanxiang Court", newEstate},
		{"岳东小区", "Yuedong Compound", estate},
		{"古槐小区", "Guhuai Compound", estate},
		{"仙峰花园", "Xianfeng Garden", newEstate},
		{"华荣嘉园", "Huarong Jiayuan", estate},
	}
}

// leader is an invented grid leader (网格长): Chinese name and pinyin.
type leader struct{ zh, en string }

// gridLeaders lists the 15 grid leaders, grid 1 first. The names are invented.
func gridLeaders() []leader {
	return []leader{
		{"王建华", "Wang Jianhua"}, {"李秀英", "Li Xiuying"}, {"张卫东", "Zhang Weidong"},
		{"刘桂兰", "Liu Guilan"}, {"陈志刚", "Chen Zhigang"}, {"杨丽娟", "Yang Lijuan"},
		{"赵宏伟", "Zhao Hongwei"}, {"黄淑芳", "Huang Shufang"}, {"周建军", "Zhou Jianjun"},
		{"吴小燕", "Wu Xiaoyan"}, {"徐国庆", "Xu Guoqing"}, {"孙海燕", "Sun Haiyan"},
		{"马振华", "Ma Zhenhua"}, {"朱红梅", "Zhu Hongmei"}, {"胡永刚", "Hu Yonggang"},
	}
}

// chineseNumber writes 1..99 in Chinese numerals, as grid names use them.
func chineseNumber(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	default:
		return digits[n/10] + "十" + digits[n%10]
	}
}
